import type { Database, Statement } from 'better-sqlite3';
import { InvalidSearchOptionsError } from '../errors.js';
import { searchLexical, snippetsFor, type FacetCount, type LexicalSearchOptions, type LexicalSearchResult } from './lexical.js';

/** The reads of one search that scale with the corpus: what `SearchReaders` runs off the event loop. */
export type SearchRead =
  | { readonly kind: 'lexical'; readonly query: string; readonly options: LexicalSearchOptions }
  /** HTML snippets of the shown page, by id. */
  | { readonly kind: 'snippets'; readonly query: string; readonly ids: readonly string[] }
  /** Facets over every candidate. */
  | { readonly kind: 'facets'; readonly ids: readonly string[] };

export interface Facets {
  readonly categories: FacetCount[];
  readonly years: FacetCount[];
}

/**
 * What a read answers, as it crosses threads: an `InvalidSearchOptionsError` travels as data,
 * because an error of a class of ours loses its class (and its 400) on the way.
 */
export type SearchReadAnswer =
  | { readonly lexical: LexicalSearchResult }
  | { readonly snippets: Map<string, string> }
  | { readonly facets: Facets }
  | { readonly invalid: { readonly option: string; readonly reason: string } };

const statements = new WeakMap<Database, Map<string, Statement>>();

function statement(db: Database, key: string, sql: string): Statement {
  let byKey = statements.get(db);
  if (!byKey) statements.set(db, (byKey = new Map()));
  let prepared = byKey.get(key);
  if (!prepared) byKey.set(key, (prepared = db.prepare(sql)));
  return prepared;
}

/** Counts by category (the 50 largest) and by year, newest first, over these papers. */
export function facetsOf(db: Database, ids: readonly string[]): Facets {
  if (ids.length === 0) return { categories: [], years: [] };
  const list = JSON.stringify(ids);
  const categories = statement(
    db,
    'facet:categories',
    `SELECT category AS value, count(*) AS count FROM paper_categories WHERE paper_id IN (SELECT value FROM json_each(?)) GROUP BY category ORDER BY count DESC, category LIMIT 50`,
  ).all(list) as FacetCount[];
  const years = statement(
    db,
    'facet:years',
    `SELECT substr(published, 1, 4) AS value, count(*) AS count FROM papers WHERE id IN (SELECT value FROM json_each(?)) AND published IS NOT NULL GROUP BY value ORDER BY value DESC`,
  ).all(list) as FacetCount[];
  return { categories, years };
}

/** Answers one read on `db`, on whichever thread holds it. */
export function answerSearchRead(db: Database, read: SearchRead): SearchReadAnswer {
  try {
    switch (read.kind) {
      case 'lexical':
        return { lexical: searchLexical(db, read.query, read.options) };
      case 'snippets':
        return { snippets: snippetsFor(db, read.query, read.ids) };
      case 'facets':
        return { facets: facetsOf(db, read.ids) };
    }
  } catch (error) {
    if (error instanceof InvalidSearchOptionsError) return { invalid: { option: error.option, reason: error.reason } };
    throw error;
  }
}

/** The answer's content. @throws InvalidSearchOptionsError when the read refused its options */
export function answered(answer: SearchReadAnswer): LexicalSearchResult | Map<string, string> | Facets {
  if ('invalid' in answer) throw new InvalidSearchOptionsError(answer.invalid.option, answer.invalid.reason);
  return 'lexical' in answer ? answer.lexical : 'snippets' in answer ? answer.snippets : answer.facets;
}
