import type { Database } from 'better-sqlite3';
import { STOPWORDS } from '../../src/search/fts-query.js';

/** Queries whose words match a similar number of papers. */
export interface QueryBand {
  readonly name: string;
  /** How many papers each word matches, as text. */
  readonly docRange: string;
  readonly queries: string[];
}

/**
 * Query words drawn from the index's own vocabulary by how many papers hold them (FTS5's
 * `fts5vocab`), so every frequency is measured: rare words match a handful of papers, common
 * ones a large share of the corpus, and mixed queries combine a specific word with common ones,
 * as people type them.
 */
export function pickQueries(db: Database, perBand: number): QueryBand[] {
  db.exec('CREATE VIRTUAL TABLE IF NOT EXISTS temp.bench_vocab USING fts5vocab(main, papers_fts, row)');
  const papers = (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  // A fixed pseudo-random order (by a hash of the word), so runs pick the same words.
  const words = db.prepare(`SELECT term FROM temp.bench_vocab WHERE doc BETWEEN ? AND ? AND length(term) > 3 ORDER BY substr(term, 2) || term LIMIT ?`);
  const pick = (lo: number, hi: number, n: number) =>
    (words.all(Math.max(1, Math.round(lo)), Math.max(1, Math.round(hi)), n * 2) as { term: string }[]).map((r) => r.term).filter((t) => !STOPWORDS.has(t)).slice(0, n);
  const rare = pick(papers * 0.00001, papers * 0.0001, perBand);
  const mid = pick(papers * 0.001, papers * 0.01, perBand);
  const common = pick(papers * 0.05, papers * 0.3, perBand);
  const mixed = mid.map((w, i) => `${w} ${common[i % common.length]} ${common[(i * 7 + 3) % common.length]}`);
  const range = (lo: number, hi: number) => `${Math.max(1, Math.round(papers * lo)).toLocaleString('en-US')}–${Math.round(papers * hi).toLocaleString('en-US')} papers a word`;
  return [
    { name: 'rare', docRange: range(0.00001, 0.0001), queries: rare },
    { name: 'mid', docRange: range(0.001, 0.01), queries: mid },
    { name: 'common', docRange: range(0.05, 0.3), queries: common },
    { name: 'mixed', docRange: 'one mid word and two common ones', queries: mixed },
  ];
}
