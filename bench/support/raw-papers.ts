import type { Database } from 'better-sqlite3';
import type { PaperRecord } from '../../src/protocols/paper.js';
import { authorKey } from '../../src/storage/sqlite/paper-rows.js';

/**
 * Writes papers straight into paperd's SQLite schema (papers, versions, authors, categories; FTS5
 * through its triggers) with plain INSERTs in one transaction: the raw baseline of the ingest
 * benchmark, and the fast way to lay down a big corpus for the search benchmark. No outbox rows:
 * whoever calls it writes the vectors too.
 */
export function insertPapersRaw(db: Database): (papers: readonly PaperRecord[]) => void {
  const insertPaper = db.prepare(
    `INSERT INTO papers (id, version, title, abstract, authors, categories, primary_category, published, updated, source, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertVersion = db.prepare('INSERT INTO paper_versions (paper_id, version, raw) VALUES (?, ?, ?)');
  const insertAuthor = db.prepare('INSERT INTO authors (key, name) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  const linkAuthor = db.prepare('INSERT INTO paper_authors (paper_id, position, author_key, affiliations) VALUES (?, ?, ?, ?)');
  const linkCategory = db.prepare('INSERT INTO paper_categories (paper_id, category, is_primary) VALUES (?, ?, ?)');
  return db.transaction((papers: readonly PaperRecord[]) => {
    const now = Date.now();
    for (const p of papers) {
      insertPaper.run(p.id, p.version, p.title, p.abstract, JSON.stringify(p.authors), JSON.stringify(p.categories), p.primaryCategory ?? null, p.published ?? null, p.updated ?? null, p.source, now, now);
      insertVersion.run(p.id, p.version, JSON.stringify(p));
      p.authors.forEach((a, position) => {
        const key = authorKey(a.name);
        insertAuthor.run(key, a.name);
        linkAuthor.run(p.id, position, key, '[]');
      });
      for (const c of p.categories) linkCategory.run(p.id, c, c === p.primaryCategory ? 1 : 0);
    }
  });
}
