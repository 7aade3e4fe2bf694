import type { Database } from 'better-sqlite3';
import { InvalidSearchOptionsError } from '../errors.js';
import { CATEGORY_FACET_SIZE, categoryFacets, searchLexical, snippetsFor, statement, type FacetCount, type LexicalSearchOptions, type LexicalSearchResult } from './lexical.js';

/** The reads of one search that scale with the corpus: what `SearchReaders` runs off the event loop. */
export type SearchRead =
  | { readonly kind: 'lexical'; readonly query: string; readonly options: LexicalSearchOptions }
  /** HTML snippets of the shown page, by id. */
  | { readonly kind: 'snippets'; readonly query: string; readonly ids: readonly string[] }
  /** Facets over every candidate; `whole` keeps every category, for facets to be added to another part's (`addFacets`). */
  | { readonly kind: 'facets'; readonly ids: readonly string[]; readonly whole?: boolean };

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
 * because an error of a class of ours loses its class (and its 400) on the way. `ms`: the time
 * spent in SQLite, apart from the time the read waited for its thread.
 */
export type SearchReadAnswer =
  | { readonly result: SearchReadResults[SearchRead['kind']]; readonly ms: number }
  | { readonly invalid: { readonly option: string; readonly reason: string } };

/** Counts by category (the `categories` largest) and by year, newest first, over these papers. */
export function facetsOf(db: Database, ids: readonly string[], categories = CATEGORY_FACET_SIZE): Facets {
  if (ids.length === 0) return { categories: [], years: [] };
  const years = statement(
    db,
    'facet:years',
    () => `SELECT substr(published, 1, 4) AS value, count(*) AS count FROM papers WHERE id IN (SELECT value FROM json_each(?)) AND published IS NOT NULL GROUP BY value ORDER BY value DESC`,
  ).all(JSON.stringify(ids)) as FacetCount[];
  return { categories: categoryFacets(db, ids, categories), years };
}

/** Every category there is: a part's facets that will be added to another's keep them all. */
const WHOLE = 1_000_000;

/**
 * The facets of two disjoint sets of papers, from each set's facets counted `whole`: counts add
 * up, then the categories are cut to the `CATEGORY_FACET_SIZE` largest in `categoryFacets`'s
 * order, as if counted over both at once.
 */
export function addFacets(one: Facets, other: Facets): Facets {
  const add = (a: readonly FacetCount[], b: readonly FacetCount[]) => {
    const counts = new Map(a.map((f) => [f.value, f.count]));
    for (const f of b) counts.set(f.value, (counts.get(f.value) ?? 0) + f.count);
    return [...counts].map(([value, count]) => ({ value, count }));
  };
  return {
    categories: add(one.categories, other.categories)
      .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
      .slice(0, CATEGORY_FACET_SIZE),
    years: add(one.years, other.years).sort((x, y) => (x.value < y.value ? 1 : x.value > y.value ? -1 : 0)),
  };
}

/** Answers one read on `db`, on whichever thread holds it. */
export function answerSearchRead(db: Database, read: SearchRead): SearchReadAnswer {
  const t0 = performance.now();
  try {
    return { result: resultOf(db, read), ms: performance.now() - t0 };
  } catch (error) {
    if (error instanceof InvalidSearchOptionsError) return { invalid: { option: error.option, reason: error.reason } };
    throw error;
  }
}

function resultOf(db: Database, read: SearchRead): SearchReadResults[SearchRead['kind']] {
  switch (read.kind) {
    case 'lexical':
      return searchLexical(db, read.query, read.options);
    case 'snippets':
      return snippetsFor(db, read.query, read.ids);
    case 'facets':
      return facetsOf(db, read.ids, read.whole ? WHOLE : CATEGORY_FACET_SIZE);
  }
}

/** The answer's result. @throws InvalidSearchOptionsError when the read refused its options */
export function answered<K extends SearchRead['kind']>(answer: SearchReadAnswer): SearchReadResults[K] {
  if ('invalid' in answer) throw new InvalidSearchOptionsError(answer.invalid.option, answer.invalid.reason);
  // `answerSearchRead` answers each kind with that kind's result.
  return answer.result as SearchReadResults[K];
}
