import { expect } from 'chai';
import type { EnrichmentResult } from '../src/enrichment/index.js';
import { enrichmentFacts, paperFacts, repositoryKey, type GraphFacts } from '../src/graph/index.js';

const edgeList = (f: GraphFacts) => f.edges.map((e) => `${e.from.kind}:${e.from.key} ${e.kind} ${e.to.kind}:${e.to.key}${e.weight === undefined ? '' : ` ${e.weight}`}`);

function enrichment(entities: Partial<EnrichmentResult['entities']>): EnrichmentResult {
  return { tldr: 'We do things.', tags: [], entities: { models: [], datasets: [], tasks: [], methods: [], codeUrls: [], huggingFaceIds: [], arxivIds: [], ...entities } };
}

describe('graph facts from papers', () => {
  describe('paperFacts', () => {
    it('names the paper, links its authors by author key and its categories, primary first', () => {
      const f = paperFacts({
        id: '2401.00001', title: 'Sparse attention', published: '2024-01-10T00:00:00Z', primaryCategory: 'cs.CL', categories: ['cs.CL', 'cs.LG'],
        authors: [{ name: 'Ada  Lovelace' }, { name: 'José  Ñúñez' }, { name: 'A. B. Smith' }],
      });
      expect(f.entities[0]).to.deep.equal({ kind: 'paper', key: '2401.00001', name: 'Sparse attention', attrs: { published: '2024-01-10T00:00:00Z', primaryCategory: 'cs.CL' } });
      expect(f.entities.filter((e) => e.kind === 'author').map((e) => e.key)).to.deep.equal(['ada lovelace', 'jose nunez', 'a. b. smith']);
      expect(edgeList(f)).to.deep.equal([
        'author:ada lovelace authored paper:2401.00001 1',
        'author:jose nunez authored paper:2401.00001 0.5',
        'author:a. b. smith authored paper:2401.00001 0.5',
        'paper:2401.00001 in_category category:cs.CL 1',
        'paper:2401.00001 in_category category:cs.LG 0.5',
      ]);
    });

    it('states the same author once, and reads a StoredPaper-like record without optional fields', () => {
      const f = paperFacts({ id: 'beir:42', title: 'Doc', authors: [{ name: 'Ada Lovelace' }, { name: 'ada  lovelace' }], categories: [] });
      expect(edgeList(f)).to.deep.equal(['author:ada lovelace authored paper:beir:42 1']);
      expect(f.entities[0]!.attrs).to.deep.equal({});
    });
  });

  describe('enrichmentFacts', () => {
    it('turns each kind of entity into its edge', () => {
      const f = enrichmentFacts('2401.00001', enrichment({
        models: ['BERT', 'Llama 2  7B'],
        datasets: ['ImageNet'],
        tasks: ['Question Answering'],
        methods: ['LoRA'],
        codeUrls: ['https://github.com/Acme/Sparse-Attn', 'https://www.github.com/acme/sparse-attn.git', 'https://gitlab.com/Team/Tool/-/tree/main', 'https://acme.org/project', 'https://huggingface.co/datasets/acme/long-docs'],
        huggingFaceIds: ['acme/sparse-7b', 'datasets/acme/qa', 'spaces/acme/demo'],
        arxivIds: ['2106.09685', '2401.00001'],
      }));
      expect(edgeList(f)).to.deep.equal([
        'paper:2401.00001 mentions model:bert',
        'paper:2401.00001 mentions model:llama 2 7b',
        'paper:2401.00001 uses_dataset dataset:imagenet',
        'paper:2401.00001 mentions task:question answering',
        'paper:2401.00001 mentions method:lora',
        'paper:2401.00001 has_code repository:github.com/acme/sparse-attn',
        'paper:2401.00001 has_code repository:gitlab.com/team/tool',
        'paper:2401.00001 uses_dataset dataset:acme/long-docs',
        'paper:2401.00001 mentions model:acme/sparse-7b',
        'paper:2401.00001 uses_dataset dataset:acme/qa',
        'paper:2401.00001 mentions space:acme/demo',
        'paper:2401.00001 cites paper:2106.09685',
      ]);
      expect(f.entities.find((e) => e.key === 'llama 2 7b')).to.deep.include({ kind: 'model', name: 'Llama 2  7B' });
    });

    it('states nothing for an enrichment that names nothing', () => {
      const f = enrichmentFacts('2401.00001', enrichment({}));
      expect(f.edges).to.deep.equal([]);
    });
  });

  describe('repositoryKey', () => {
    it('cuts forge URLs to host/owner/name, lower-cased, and refuses other URLs', () => {
      expect(repositoryKey('https://github.com/Acme/X/tree/main/src')).to.equal('github.com/acme/x');
      expect(repositoryKey('github.com/Acme/X.git')).to.equal('github.com/acme/x');
      expect(repositoryKey('https://bitbucket.org/a/b')).to.equal('bitbucket.org/a/b');
      expect(repositoryKey('https://github.com/acme')).to.equal(undefined);
      expect(repositoryKey('https://example.com/a/b')).to.equal(undefined);
    });
  });
});
