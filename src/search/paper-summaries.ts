import type { Database, Statement } from 'better-sqlite3';
import type { Author } from '../protocols/paper.js';

/** What a search result shows of a paper besides its title. */
export interface PaperSummary {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly abstract: string;
  readonly authors: string[];
  readonly published: string | null;
  readonly primaryCategory: string | null;
  readonly categories: string[];
  readonly hasCode: boolean;
}

/** Reads the summaries of many papers in one statement. */
export class PaperSummaries {
  private readonly select: Statement<[string]>;

  constructor(db: Database) {
    this.select = db.prepare(
      `SELECT id, version, title, abstract, authors, published, primary_category, categories, has_code
       FROM papers WHERE id IN (SELECT value FROM json_each(?))`,
    );
  }

  of(ids: readonly string[]): Map<string, PaperSummary> {
    if (ids.length === 0) return new Map();
    const rows = this.select.all(JSON.stringify(ids)) as {
      id: string; version: number; title: string; abstract: string; authors: string; published: string | null;
      primary_category: string | null; categories: string; has_code: number;
    }[];
    return new Map(
      rows.map((r) => [
        r.id,
        {
          id: r.id,
          version: r.version,
          title: r.title,
          abstract: r.abstract,
          authors: (JSON.parse(r.authors) as Author[]).map((a) => a.name),
          published: r.published,
          primaryCategory: r.primary_category,
          categories: JSON.parse(r.categories) as string[],
          hasCode: r.has_code !== 0,
        },
      ]),
    );
  }
}
