import type { Database } from 'better-sqlite3';

/**
 * The corpus an embedded model is fitted on: every paper's title and abstract, in the order the
 * papers were stored (a fit is deterministic for a seed and the texts in order).
 */
export function* paperTexts(db: Database): Generator<string> {
  for (const row of db.prepare('SELECT title, abstract FROM papers ORDER BY seq').iterate() as Iterable<{ title: string; abstract: string }>) {
    yield `${row.title}\n\n${row.abstract}`;
  }
}
