import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { expect } from 'chai';
import { EnrichmentResult, fallbackEnrichment, fallbackProvenance, type EnrichmentInput } from '../src/enrichment/index.js';
import { splitSentences } from '../src/enrichment/sentences.js';
import { BadInputError } from '../src/errors.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { parseAbs } from '../src/sources/arxiv/abs.js';
import { parseArxivAtom } from '../src/sources/arxiv/atom.js';
import { requireShared, sharedPath } from './support/shared.js';

function paper(overrides: Partial<EnrichmentInput> = {}): EnrichmentInput {
  return {
    id: '2401.00001',
    title: 'Sparse Mixtures of Experts for Tiny Language Models',
    abstract:
      'Large language models are expensive to serve. ' +
      'We propose a sparse mixture of experts for tiny language models that routes each token to one expert. ' +
      'On standard benchmarks the sparse mixture of experts halves inference cost at equal quality. ' +
      'Code is available.',
    categories: ['cs.CL', 'cs.LG'],
    primaryCategory: 'cs.CL',
    ...overrides,
  };
}

/** The real abstracts of one recorded export-API answer (100 entries), as records. */
function apiRecords(): PaperRecord[] {
  const file = readdirSync(sharedPath('fixtures', 'arxiv-api')).find((f) => f.startsWith('q_testing_s0_m100_'))!;
  const { body } = JSON.parse(readFileSync(sharedPath('fixtures', 'arxiv-api', file), 'utf8')) as { body: string };
  // The recorder decoded arXiv's UTF-8 as Latin-1 (see arxiv-atom.test.ts).
  return parseArxivAtom(Buffer.from(body, 'latin1').toString('utf8')).entries;
}

/** Every readable current `.abs` record of the shared set. */
function absRecords(): PaperRecord[] {
  const out: PaperRecord[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.abs') && statSync(full).size > 0) out.push(parseAbs(readFileSync(full), { file: full }));
    }
  };
  walk(sharedPath('fixtures', 'arxiv-abs', 'ftp'));
  return out;
}

function absRecord(id: string): PaperRecord {
  const [yymm] = id.split('.');
  return parseAbs(readFileSync(sharedPath('fixtures', 'arxiv-abs', 'ftp', 'arxiv', 'papers', yymm!, `${id}.abs`)));
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

/** What every fallback result must be, whatever the paper. */
function expectWellFormed(record: PaperRecord, result: EnrichmentResult): void {
  expect(Value.Check(EnrichmentResult, result), record.id).to.equal(true);
  expect(result.tldr.length, record.id).to.be.within(1, 400);
  const abstract = collapse(record.abstract);
  if (abstract) {
    // Extractive: every sentence of the TL;DR is one of the abstract's, or the start of one cut at the limit.
    for (const sentence of splitSentences(result.tldr)) {
      const whole = sentence.endsWith('…') ? sentence.slice(0, -1) : sentence;
      expect(abstract, `${record.id}: ${sentence}`).to.include(whole);
    }
  }
  expect(result.tags.length, record.id).to.be.at.most(12);
  expect(result.entities.arxivIds, record.id).to.not.include(record.id);
}

describe('enrichment fallback', () => {
  describe('on real arXiv records', () => {
    before(function () {
      requireShared(this, 'arxiv-api');
      requireShared(this, 'arxiv-abs');
    });

    it('gives a valid, extractive, bounded result for every abstract of a recorded API answer', () => {
      const records = apiRecords();
      expect(records).to.have.length(100);
      for (const record of records) expectWellFormed(record, fallbackEnrichment(record));
    });

    it('gives a valid, extractive, bounded result for every current .abs record', () => {
      const records = absRecords();
      expect(records.length).to.be.greaterThan(1000);
      for (const record of records) expectWellFormed(record, fallbackEnrichment(record));
    });

    it('finds the code URL in the comment of SwinIR and tags its topic', () => {
      const result = fallbackEnrichment(absRecord('2108.10257'));
      expect(result.entities.codeUrls).to.deep.equal(['https://github.com/JingyunLiang/SwinIR']);
      expect(result.tags.slice(0, 2)).to.deep.equal(['image processing', 'computer vision']);
      expect(result.tags).to.include.members(['image restoration', 'swin transformer']);
      expect(result.tldr).to.include('we propose a strong baseline model SwinIR');
    });

    it('finds the benchmarks BERT reports on', () => {
      const result = fallbackEnrichment(absRecord('1810.04805'));
      expect(result.entities.datasets).to.deep.equal(['GLUE', 'MultiNLI', 'SQuAD']);
      expect(result.tags).to.include.members(['nlp', 'bert']);
      expect(result.tldr).to.match(/^We introduce a new language representation model called BERT/);
    });

    it('finds datasets, cited arXiv ids and code links in real API entries', () => {
      const byId = new Map(apiRecords().map((r) => [r.id, r]));
      expect(fallbackEnrichment(byId.get('2602.15552')!).entities.datasets).to.include.members(['MNIST', 'CIFAR-10']);
      expect(fallbackEnrichment(byId.get('1704.08347')!).entities.arxivIds).to.deep.equal(['1607.00533']);
      // In the comment field, not the abstract.
      expect(fallbackEnrichment(byId.get('1306.4664')!).entities.arxivIds).to.include('1106.3680');
      expect(fallbackEnrichment(byId.get('1706.00679')!).entities.codeUrls).to.deep.equal(['https://github.com/ydecastro/super-resolution-testing']);
    });
  });

  describe('extractive summary', () => {
    it('picks the contribution sentence and a central one, in the abstract\'s order, never the boilerplate', () => {
      const result = fallbackEnrichment(paper());
      expect(result.tldr).to.equal(
        'We propose a sparse mixture of experts for tiny language models that routes each token to one expert. ' +
          'On standard benchmarks the sparse mixture of experts halves inference cost at equal quality.',
      );
    });

    it('cuts a single overlong sentence at a word, within 400 characters', () => {
      const long = `We propose ${Array.from({ length: 120 }, (_, i) => `component${i}`).join(' and ')}.`;
      const { tldr } = fallbackEnrichment(paper({ abstract: long }));
      expect(tldr.length).to.be.at.most(400);
      expect(tldr).to.match(/component\d+…$/);
    });

    it('falls back to the title when there is no abstract', () => {
      expect(fallbackEnrichment(paper({ abstract: '  ' })).tldr).to.equal('Sparse Mixtures of Experts for Tiny Language Models');
    });

    it('refuses a paper with neither title nor abstract', () => {
      expect(() => fallbackEnrichment(paper({ title: '', abstract: '' }))).to.throw(BadInputError, /2401\.00001/);
    });

    it('does not split sentences at e.g., et al. or initials', () => {
      expect(splitSentences('Methods (e.g. LoRA) help. As Hu et al. show, J. Smith agrees. Done!')).to.deep.equal([
        'Methods (e.g. LoRA) help.',
        'As Hu et al. show, J. Smith agrees.',
        'Done!',
      ]);
    });
  });

  describe('rule-based extraction', () => {
    it('reads identifiers from title, abstract, comment and the beginning of the body', () => {
      const result = fallbackEnrichment(
        paper({
          comment: '12 pages. Code: https://github.com/acme/tiny-moe',
          body: 'arXiv:2401.00001v1 [cs.CL] We build on Switch (2101.03961) and release weights at https://huggingface.co/acme/tiny-moe-1b. We train on C4.',
        }),
      );
      expect(result.entities.codeUrls).to.deep.equal(['https://github.com/acme/tiny-moe']);
      expect(result.entities.huggingFaceIds).to.deep.equal(['acme/tiny-moe-1b']);
      expect(result.entities.arxivIds).to.deep.equal(['2101.03961']);
      expect(result.entities.datasets).to.deep.equal(['C4']);
      // No rule tells models, tasks and methods from other names: left for an LLM.
      expect(result.entities).to.deep.include({ models: [], tasks: [], methods: [] });
    });

    it('reads no further into the body than asked', () => {
      const body = `${'filler '.repeat(200)}https://github.com/acme/late-link`;
      expect(fallbackEnrichment(paper({ body }), { bodyChars: 500 }).entities.codeUrls).to.deep.equal([]);
      expect(fallbackEnrichment(paper({ body }), { bodyChars: 5000 }).entities.codeUrls).to.deep.equal(['https://github.com/acme/late-link']);
    });

    it('tags the primary category first, then the phrases the abstract repeats', () => {
      const { tags } = fallbackEnrichment(paper());
      expect(tags.slice(0, 2)).to.deep.equal(['nlp', 'machine learning']);
      expect(tags).to.include('sparse mixture');
      for (const tag of tags) expect(tag).to.equal(tag.toLowerCase());
    });

    it('is deterministic: the same paper gives the same result', () => {
      expect(fallbackEnrichment(paper())).to.deep.equal(fallbackEnrichment(paper()));
    });

    it('says it is the fallback', () => {
      expect(fallbackProvenance).to.deep.equal({ producer: 'fallback', model: 'paperd-extractive-1' });
    });
  });
});
