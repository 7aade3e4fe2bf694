import { expect } from 'chai';
import { BadInputError } from '../src/errors.js';
import { FallbackEnricher, fallbackEnrichment } from '../src/enrichment/index.js';

const paper = {
  id: '2401.00001',
  title: 'Sparse attention for long documents',
  abstract: 'We make attention sparse so that transformers read long documents. Code: https://github.com/example/sparse-attention. We evaluate on SQuAD and on arXiv 2303.00001.',
  categories: ['cs.CL', 'cs.LG'],
  primaryCategory: 'cs.CL',
  comment: '12 pages',
};

describe('the fallback enricher thread', function () {
  this.timeout(30_000);
  let enricher: FallbackEnricher;
  beforeEach(() => (enricher = new FallbackEnricher()));
  afterEach(async () => enricher.close());

  it('answers what the fallback answers in this thread, for many papers at once', async () => {
    const papers = Array.from({ length: 20 }, (_, i) => ({ ...paper, id: `2401.${String(i).padStart(5, '0')}`, title: `${paper.title} ${i}` }));
    const results = await Promise.all(papers.map((p) => enricher.enrich(p)));
    results.forEach((r, i) => expect(r).to.deep.equal(fallbackEnrichment(papers[i]!)));
  });

  it('refuses a paper with nothing to summarise with the same error as in this thread, and keeps answering', async () => {
    const error = await enricher.enrich({ id: 'x', title: ' ', abstract: '' }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(BadInputError);
    expect((error as Error).message).to.match(/neither title nor abstract/);
    expect((await enricher.enrich(paper)).tldr).to.be.a('string').and.not.equal('');
  });

  it('fails what it holds when closed, and refuses what comes after', async () => {
    const held = enricher.enrich(paper);
    await enricher.close();
    const outcome = await held.then(() => 'answered', (e: Error) => e.message);
    expect(outcome === 'answered' || /closed/.test(outcome)).to.equal(true);
    const after = await enricher.enrich(paper).then(() => 'answered', (e: Error) => e.message);
    expect(after).to.match(/closed/);
  });
});
