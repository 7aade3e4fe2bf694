import type { Database, Statement } from 'better-sqlite3';
import type { Author } from '../../protocols/paper.js';
import { authorKey } from './paper-rows.js';

/**
 * A paper's authors and categories as rows (`authors`, `paper_authors`, `paper_categories`), so
 * the graph and the search filters can join on them. Always the latest version's; called inside
 * the paper store's transactions. Each list goes in as one JSON parameter expanded by
 * `json_each`: one statement per list instead of one or two per name, which is most of the
 * per-paper cost of a bulk import.
 */
export class PaperLinks {
  private readonly insertAuthors: Statement<[string]>;
  private readonly clearAuthors: Statement<[string]>;
  private readonly linkAuthors: Statement<[{ paper: string; list: string }]>;
  private readonly clearCategories: Statement<[string]>;
  private readonly linkCategories: Statement<[{ paper: string; primary: string | null; list: string }]>;

  constructor(db: Database) {
    // `WHERE true` lets SQLite parse ON CONFLICT after a SELECT.
    this.insertAuthors = db.prepare(
      `INSERT INTO authors (key, name) SELECT value ->> '$.key', value ->> '$.name' FROM json_each(?) WHERE true ON CONFLICT (key) DO NOTHING`,
    );
    this.clearAuthors = db.prepare('DELETE FROM paper_authors WHERE paper_id = ?');
    this.linkAuthors = db.prepare(
      `INSERT INTO paper_authors (paper_id, position, author_key, affiliations)
       SELECT @paper, key, value ->> '$.key', value ->> '$.affiliations' FROM json_each(@list)`,
    );
    this.clearCategories = db.prepare('DELETE FROM paper_categories WHERE paper_id = ?');
    this.linkCategories = db.prepare(
      `INSERT INTO paper_categories (paper_id, category, is_primary)
       SELECT @paper, value, value IS @primary FROM json_each(@list) WHERE true ON CONFLICT (paper_id, category) DO NOTHING`,
    );
  }

  /** Sets the paper's author list; `fresh` skips clearing when the paper was just inserted. */
  replaceAuthors(paperId: string, authors: readonly Author[], fresh = false): void {
    if (!fresh) this.clearAuthors.run(paperId);
    if (authors.length === 0) return;
    const list = JSON.stringify(authors.map((a) => ({ key: authorKey(a.name), name: a.name, affiliations: JSON.stringify(a.affiliations) })));
    this.insertAuthors.run(list);
    this.linkAuthors.run({ paper: paperId, list });
  }

  /** Sets the paper's categories, flagging the primary one; duplicates in the list are dropped. */
  replaceCategories(paperId: string, categories: readonly string[], primary: string | null, fresh = false): void {
    if (!fresh) this.clearCategories.run(paperId);
    const all = primary === null || categories.includes(primary) ? categories : [primary, ...categories];
    if (all.length > 0) this.linkCategories.run({ paper: paperId, primary, list: JSON.stringify(all) });
  }
}
