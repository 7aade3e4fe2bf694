import type { Database } from 'better-sqlite3';

/**
 * BM25 column weights of `papers_fts`, in its column order (title, abstract, body). A title hit
 * says more about what a paper is about than an abstract hit, which says more than a mention
 * somewhere in 10,000 words of body. Search passes these to `bm25(papers_fts, …)`.
 */
export const FTS_BM25_WEIGHTS = { title: 10, abstract: 4, body: 1 } as const;

/** `bm25(papers_fts, 10, 4, 1)`, built from the weights so the two cannot drift apart. */
export const FTS_BM25_EXPRESSION = `bm25(papers_fts, ${FTS_BM25_WEIGHTS.title}, ${FTS_BM25_WEIGHTS.abstract}, ${FTS_BM25_WEIGHTS.body})`;

/** One FTS hit: BM25 as SQLite returns it (more negative is better). */
export interface FtsHit {
  readonly id: string;
  readonly bm25: number;
}

/**
 * Quotes each term as an FTS5 string, so no term is ever read as syntax (`NEAR`, `OR`, `-`,
 * `col:`, `*`). Terms that are blank after trimming are dropped.
 */
export function quoteFtsTerms(terms: readonly string[]): string[] {
  return terms.map((t) => t.trim()).filter((t) => t.length > 0).map((t) => `"${t.replaceAll('"', '""')}"`);
}

/**
 * The papers matching every term (`all`) or any term (`any`), best BM25 first. The terms are
 * quoted, never spliced raw into MATCH; parsing what a user typed into terms is the search
 * layer's job.
 */
export function matchPapers(db: Database, terms: readonly string[], options: { limit?: number; mode?: 'all' | 'any' } = {}): FtsHit[] {
  const quoted = quoteFtsTerms(terms);
  if (quoted.length === 0) return [];
  const expression = quoted.join(options.mode === 'any' ? ' OR ' : ' AND ');
  return db
    .prepare(
      `SELECT p.id AS id, ${FTS_BM25_EXPRESSION} AS bm25
       FROM papers_fts JOIN papers p ON p.seq = papers_fts.rowid
       WHERE papers_fts MATCH ? ORDER BY bm25 LIMIT ?`,
    )
    .all(expression, options.limit ?? 20) as FtsHit[];
}
