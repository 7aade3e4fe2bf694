import type { Database } from 'better-sqlite3';
import { InvalidSearchOptionsError } from '../errors.js';
import { categoryFacets, searchLexical, snippetsFor, statement, type FacetCount, type LexicalSearchOptions, type LexicalSearchResult } from './lexical.js';

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

/** What each kind of read gives back. */
export interface SearchReadResults {
  readonly lexical: LexicalSearchResult;
  readonly snippets: Map<string, string>;
  readonly facets: Facets;
}

/**
 * What a read answers, as it crosses threads: an `InvalidSearchOptionsError` travels as data,
 * because an error of a class of ours loses its class (and its 400) on the way.
 */
export type SearchReadAnswer =
  | { readonly result: SearchReadResults[SearchRead['kind']] }
  | { readonly invalid: { readonly option: string; readonly reason: string } };

/** Counts by category (the 50 largest) and by year, newest first, over these papers. */
export function facetsOf(db: Database, ids: readonly string[]): Facets {
  if (ids.length === 0) return { categories: [], years: [] };
  const years = statement(
    db,
    'facet:years',
    () => `SELECT substr(published, 1, 4) AS value, count(*) AS count FROM papers WHERE id IN (SELECT value FROM json_each(?)) AND published IS NOT NULL GROUP BY value ORDER BY value DESC`,
  ).all(JSON.stringify(ids)) as FacetCount[];
  return { categories: categoryFacets(db, ids), years };
}

/** Answers one read on `db`, on whichever thread holds it. */
export function answerSearchRead(db: Database, read: SearchRead): SearchReadAnswer {
  try {
    switch (read.kind) {
      case 'lexical':
        return { result: searchLexical(db, read.query, read.options) };
      case 'snippets':
        return { result: snippetsFor(db, read.query, read.ids) };
      case 'facets':
        return { result: facetsOf(db, read.ids) };
    }
  } catch (error) {
    if (error instanceof InvalidSearchOptionsError) return { invalid: { option: error.option, reason: error.reason } };
    throw error;
  }
}

/** The answer's result. @throws InvalidSearchOptionsError when the read refused its options */
export function answered<K extends SearchRead['kind']>(answer: SearchReadAnswer): SearchReadResults[K] {
  if ('invalid' in answer) throw new InvalidSearchOptionsError(answer.invalid.option, answer.invalid.reason);
  // `answerSearchRead` answers each kind with that kind's result.
  return answer.result as SearchReadResults[K];
}
