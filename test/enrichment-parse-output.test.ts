import { Value } from '@sinclair/typebox/value';
import { expect } from 'chai';
import { EnrichmentResult, parseEnrichmentOutput, type ParsedEnrichment } from '../src/enrichment/index.js';

/** A valid enrichment as a model would write it, with fields to override. */
function answer(overrides: Record<string, unknown> = {}, entities: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tldr: 'We route tokens to few experts and halve inference cost at equal quality.',
    tags: ['mixture of experts', 'efficient inference'],
    entities: {
      models: ['Switch Transformer'],
      datasets: ['C4'],
      tasks: ['language modeling'],
      methods: ['top-1 routing'],
      codeUrls: ['https://github.com/example/moe'],
      huggingFaceIds: ['example/moe-base'],
      arxivIds: ['2101.03961'],
      ...entities,
    },
    ...overrides,
  };
}

function accepted(parsed: ParsedEnrichment): Extract<ParsedEnrichment, { ok: true }> {
  if (!parsed.ok) throw new Error(`expected the output to be accepted, it was rejected: ${parsed.reason}`);
  expect(Value.Check(EnrichmentResult, parsed.value)).to.equal(true);
  return parsed;
}

function rejected(parsed: ParsedEnrichment): string {
  if (parsed.ok) throw new Error(`expected the output to be rejected, it was accepted: ${JSON.stringify(parsed.value)}`);
  return parsed.reason;
}

describe('enrichment output: repair or reject', () => {
  describe('repairs', () => {
    it('takes clean JSON as it is and says nothing was repaired', () => {
      const parsed = accepted(parseEnrichmentOutput(JSON.stringify(answer())));
      expect(parsed.repaired).to.equal(false);
      expect(parsed.repairs).to.deep.equal([]);
      expect(parsed.value).to.deep.equal(answer());
    });

    it('reads the object out of a ```json fence', () => {
      const parsed = accepted(parseEnrichmentOutput('```json\n' + JSON.stringify(answer(), null, 2) + '\n```'));
      expect(parsed.value.tldr).to.equal(answer().tldr);
      expect(parsed.repaired).to.equal(true);
      expect(parsed.repairs).to.include('fence');
    });

    it('reads the object out of prose before and after it, even with braces in the prose', () => {
      const raw = `Sure! Here is the {requested} JSON for the paper:\n${JSON.stringify(answer())}\nLet me know if you need anything else {or more}.`;
      const parsed = accepted(parseEnrichmentOutput(raw));
      expect(parsed.value.entities.models).to.deep.equal(['Switch Transformer']);
      expect(parsed.repairs).to.include('prose');
    });

    it('drops trailing commas in objects and arrays', () => {
      const raw = `{"tldr": "Short.", "tags": ["a", "b",], "entities": {"models": [], "datasets": [], "tasks": [], "methods": [], "codeUrls": [], "huggingFaceIds": [], "arxivIds": [],},}`;
      const parsed = accepted(parseEnrichmentOutput(raw));
      expect(parsed.value.tags).to.deep.equal(['a', 'b']);
      expect(parsed.repairs).to.include('trailing-comma');
    });

    it('reads single-quoted strings, keeping apostrophes inside them and double quotes escaped', () => {
      const raw = `{'tldr': 'It's a "sparse" model.', 'tags': ['moe'], 'entities': {'models': ['T5'], 'datasets': [], 'tasks': [], 'methods': [], 'codeUrls': [], 'huggingFaceIds': [], 'arxivIds': []}}`;
      const parsed = accepted(parseEnrichmentOutput(raw));
      expect(parsed.value.tldr).to.equal('It\'s a "sparse" model.');
      expect(parsed.repairs).to.include('single-quotes');
    });

    it('reads Python literals and raw newlines inside strings', () => {
      const raw = `{"tldr": "Line one.\nLine two.", "tags": [], "entities": {"models": [], "datasets": [], "tasks": [], "methods": [], "codeUrls": [], "huggingFaceIds": [], "arxivIds": None}}`;
      const parsed = accepted(parseEnrichmentOutput(raw));
      expect(parsed.value.tldr).to.equal('Line one. Line two.');
      expect(parsed.value.entities.arxivIds).to.deep.equal([]);
      expect(parsed.repairs).to.include.members(['python-literals', 'control-characters']);
    });

    it('closes output cut off inside an entity list, dropping the half-written item', () => {
      const full = JSON.stringify(answer({}, { datasets: ['C4', 'The Pile'] }));
      const cut = full.slice(0, full.indexOf('The Pile') + 'The P'.length);
      const parsed = accepted(parseEnrichmentOutput(cut));
      expect(parsed.value.tldr).to.equal(answer().tldr);
      expect(parsed.value.entities.datasets).to.deep.equal(['C4']);
      // Lists after the cut never came: they are empty, and the result says it was repaired.
      expect(parsed.value.entities.codeUrls).to.deep.equal([]);
      expect(parsed.repairs).to.include.members(['truncated', 'entities-filled']);
    });

    it('closes output cut off after a key, dropping the key without a value', () => {
      const cut = '{"tldr": "Short.", "tags": ["x"], "entities": {"models": ["BERT"], "datasets":';
      const parsed = accepted(parseEnrichmentOutput(cut));
      expect(parsed.value.entities).to.deep.include({ models: ['BERT'], datasets: [] });
    });

    it('rejects output cut off inside the TL;DR: a half sentence is not a summary', () => {
      const reason = rejected(parseEnrichmentOutput('{"tldr": "We route tokens to fe'));
      expect(reason).to.match(/tldr/);
    });

    it('cut off at any point, the answer is either rejected or valid, and never throws', () => {
      const full = '```json\n' + JSON.stringify(answer(), null, 1) + '\n```';
      // Once the entities object has opened, every cut can be mended: lists cut off are empty.
      const mendableFrom = full.indexOf('"entities": {') + '"entities": {'.length;
      for (let end = 0; end <= full.length; end++) {
        const parsed = parseEnrichmentOutput(full.slice(0, end));
        if (end >= mendableFrom) expect(parsed.ok, `cut at ${end}`).to.equal(true);
        if (!parsed.ok) continue;
        expect(Value.Check(EnrichmentResult, parsed.value), `cut at ${end}`).to.equal(true);
        // Whatever survived the cut is what the model wrote, never a half-written item.
        expect(parsed.value.tldr).to.equal(answer().tldr);
        for (const tag of parsed.value.tags) expect(answer().tags).to.include(tag);
        for (const model of parsed.value.entities.models) expect(model).to.equal('Switch Transformer');
        for (const url of parsed.value.entities.codeUrls) expect(url).to.equal('https://github.com/example/moe');
      }
    });

    it('an unclosed fence (cut off) still yields the object inside it', () => {
      const parsed = accepted(parseEnrichmentOutput('```json\n' + JSON.stringify(answer()).slice(0, -2)));
      expect(parsed.repairs).to.include.members(['fence', 'truncated']);
    });
  });

  describe('normalising', () => {
    it('trims, lowercases and dedupes tags, and cuts the list at 12', () => {
      const tags = ['  Diffusion Models ', 'diffusion models', '#GenerativeAI', 'Text_To_Image', ...Array.from({ length: 12 }, (_, i) => `topic ${i}`)];
      const parsed = accepted(parseEnrichmentOutput(JSON.stringify(answer({ tags }))));
      expect(parsed.value.tags.slice(0, 3)).to.deep.equal(['diffusion models', 'generativeai', 'text to image']);
      expect(parsed.value.tags).to.have.length(12);
      expect(parsed.repairs).to.include('tags-capped');
    });

    it('canonicalises code URLs and drops what is not an http(s) URL', () => {
      const codeUrls = ['github.com/Example/Repo.git', 'https://github.com/Example/Repo/tree/main/src', 'ftp://example.org/code', 'not a url', 'https://gitlab.com/group/project/'];
      const parsed = accepted(parseEnrichmentOutput(JSON.stringify(answer({}, { codeUrls }))));
      expect(parsed.value.entities.codeUrls).to.deep.equal(['https://github.com/Example/Repo', 'https://gitlab.com/group/project']);
      expect(parsed.repairs).to.include('invalid-dropped');
    });

    it('keeps Hugging Face ids as owner/name, from URLs too, and drops what is not one', () => {
      const huggingFaceIds = ['https://huggingface.co/datasets/openai/gsm8k', 'meta-llama/Llama-2-7b-hf', 'bert-base-uncased', 'huggingface.co/papers/2101.00001', 'a/b/c'];
      const parsed = accepted(parseEnrichmentOutput(JSON.stringify(answer({}, { huggingFaceIds }))));
      expect(parsed.value.entities.huggingFaceIds).to.deep.equal(['openai/gsm8k', 'meta-llama/Llama-2-7b-hf']);
    });

    it('stores arXiv ids without version or prefix and drops numbers that cannot be ids', () => {
      const arxivIds = ['arXiv:2106.09685v2', 'https://arxiv.org/abs/hep-th/9901001v1', '2022.00035', '2106.09685'];
      const parsed = accepted(parseEnrichmentOutput(JSON.stringify(answer({}, { arxivIds }))));
      expect(parsed.value.entities.arxivIds).to.deep.equal(['2106.09685', 'hep-th/9901001']);
    });

    it('dedupes entity names without regard to case, keeping the first spelling', () => {
      const parsed = accepted(parseEnrichmentOutput(JSON.stringify(answer({}, { models: ['BERT', 'bert', ' BERT ', 'RoBERTa'] }))));
      expect(parsed.value.entities.models).to.deep.equal(['BERT', 'RoBERTa']);
    });

    it('shortens a TL;DR past 400 characters at a sentence end', () => {
      const sentence = 'This sentence is about sixty characters long, give or take. ';
      const parsed = accepted(parseEnrichmentOutput(JSON.stringify(answer({ tldr: sentence.repeat(10) }))));
      expect(parsed.value.tldr.length).to.be.at.most(400);
      expect(parsed.value.tldr).to.match(/take\.$/);
      expect(parsed.repairs).to.include('tldr-shortened');
    });

    it('drops fields the schema does not have', () => {
      const parsed = accepted(parseEnrichmentOutput(JSON.stringify(answer({ confidence: 0.9 }, { metrics: ['F1'] }))));
      expect(parsed.value).to.not.have.property('confidence');
      expect(parsed.value.entities).to.not.have.property('metrics');
      expect(parsed.repairs).to.include('unknown-fields-dropped');
    });
  });

  describe('rejections', () => {
    it('rejects plain text with no JSON in it', () => {
      expect(rejected(parseEnrichmentOutput('I am sorry, I cannot help with that paper.'))).to.match(/no JSON object/);
    });

    it('rejects empty output', () => {
      expect(rejected(parseEnrichmentOutput('   '))).to.match(/empty/);
    });

    it('rejects words outside strings rather than guessing', () => {
      expect(rejected(parseEnrichmentOutput('{"tldr": summary here, "tags": []}'))).to.match(/outside a string/);
    });

    it('rejects JSON that is not an object', () => {
      expect(rejected(parseEnrichmentOutput('["a", "b"]'))).to.match(/not an object/);
    });

    it('rejects mismatched brackets', () => {
      expect(rejected(parseEnrichmentOutput('{"tldr": "x", "tags": ["a"}'))).to.match(/mismatched/);
    });

    it('rejects an answer without a TL;DR', () => {
      const { tldr: _, ...rest } = answer();
      expect(rejected(parseEnrichmentOutput(JSON.stringify(rest)))).to.match(/\/tldr/);
    });

    it('rejects an empty TL;DR', () => {
      expect(rejected(parseEnrichmentOutput(JSON.stringify(answer({ tldr: '  ' }))))).to.match(/\/tldr/);
    });

    it('rejects wrong types instead of coercing them', () => {
      expect(rejected(parseEnrichmentOutput(JSON.stringify(answer({ tldr: 42 }))))).to.match(/\/tldr/);
      expect(rejected(parseEnrichmentOutput(JSON.stringify(answer({ tags: 'nlp, vision' }))))).to.match(/\/tags/);
      expect(rejected(parseEnrichmentOutput(JSON.stringify(answer({}, { models: [{ name: 'BERT' }] }))))).to.match(/\/entities\/models/);
      expect(rejected(parseEnrichmentOutput(JSON.stringify(answer({ entities: ['BERT'] }))))).to.match(/\/entities/);
    });

    it('rejects an answer whose tags are missing', () => {
      const { tags: _, ...rest } = answer();
      expect(rejected(parseEnrichmentOutput(JSON.stringify(rest)))).to.match(/\/tags/);
    });
  });
});
