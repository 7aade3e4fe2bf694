import type { PaperRecord } from '../../src/protocols/paper.js';

/** A small arXiv paper record, numbered `i`, for tests that need many papers of the same shape. */
export function samplePaper(i: number, overrides: Partial<PaperRecord> = {}): PaperRecord {
  return {
    id: `2401.${String(i).padStart(5, '0')}`,
    version: 1,
    title: `Paper ${i} on topic ${i % 7}`,
    abstract: `Abstract of paper ${i}, about subject ${i % 5}.`,
    authors: [{ name: `Author ${i}`, affiliations: [] }],
    categories: ['cs.LG'],
    source: 'arxiv-api',
    ...overrides,
  };
}
