import { randomBytes } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { InvalidSearchOptionsError } from '../errors.js';
import { compileFilters, type CompiledFilters, type SearchFilters } from './filters.js';
import { BroadWordPlanner, type BroadWordBounds } from './broad-words.js';
import { NO_SEARCHABLE_WORDS, parseUserQuery } from './fts-query.js';

export type { SearchFilters } from './filters.js';

/**
 * BM25 column weights of `papers_fts` (title, abstract, body), tuned on BEIR SciFact with
 * `bench/support/scifact-bm25.ts`. A title hit says more about what a paper is about than an
 * abstract hit, which says more than one mention in 10,000 words of body.
 */
export const LEXICAL_BM25_WEIGHTS = { title: 3, abstract: 1, body: 0.5 } as const;

/** How many best BM25 matches search looks at before filters, unless told otherwise. */
export const DEFAULT_CANDIDATES = 1000;

/**
 * The most candidates one search reads. FTS5 scores every match whatever the bound, but the
 * bound caps the rows joined, filtered, faceted and sent back; filtered searches widen up to it
 * when the first candidates hold too few papers that pass the filters.
 */
export const MAX_CANDIDATES = 16_000;

/** Largest page. */
export const MAX_LIMIT = 1000;

/** Most category values in a facet; years are all returned. */
export const CATEGORY_FACET_SIZE = 50;

/** How to search. */
export interface LexicalSearchOptions {
  /** Hits per page; default 20, at most `MAX_LIMIT`. */
  readonly limit?: number;
  /** Hits to skip; default 0. Pages come from the same candidate order, so they never overlap. */
  readonly offset?: number;
  readonly filters?: SearchFilters;
  /** Best BM25 matches to consider before filters; default `DEFAULT_CANDIDATES`, at most `MAX_CANDIDATES`. */
  readonly candidates?: number;
  /** Add an HTML snippet to each hit; default true. */
  readonly snippets?: boolean;
  /** Count facets; default true. */
  readonly facets?: boolean;
  /** BM25 column weights; default `LEXICAL_BM25_WEIGHTS`. For evaluation and tuning. */
  readonly weights?: Bm25Weights;
  /** When words are too broad to score every match; default `DEFAULT_BROAD_WORD_BOUNDS`. For tests. */
  readonly broadWords?: BroadWordBounds;
}

/** BM25 weights of the title, abstract and body columns: finite, not negative. */
export interface Bm25Weights {
  readonly title: number;
  readonly abstract: number;
  readonly body: number;
}

/** One hit. */
export interface LexicalHit {
  readonly id: string;
  /** BM25 with the weights above, negated so that higher is better. */
  readonly score: number;
  /** 1-based position in the whole result list, offset included. */
  readonly rank: number;
  /** Plain text, as stored: escape it before putting it in HTML. */
  readonly title: string;
  /**
   * HTML: a passage of the best-matching column with matched words in `<mark>…</mark>`, the rest
   * escaped. Absent when snippets were not asked for or the paper has no matching text to show.
   */
  readonly snippet?: string;
}

/** How many filtered candidates have a value. */
export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

/** A page of results. */
export interface LexicalSearchResult {
  readonly hits: LexicalHit[];
  /**
   * Matches that pass the filters, counted among the candidates: when `capped`, more papers
   * match than were looked at, and this is a lower bound.
   */
  readonly total: number;
  /** More papers match the words than the candidate bound let in: `total` and facets then undercount. */
  readonly capped: boolean;
  /** Over every filtered candidate, not just this page: categories by count (then name), years newest first. */
  readonly facets: { categories: FacetCount[]; years: FacetCount[] };
  /** Why there are no results when the query itself could not be searched. */
  readonly reason?: string;
  /** How the query was narrowed because its words are in too many papers (see `BroadWordPlanner`). */
  readonly narrowed?: string;
}

interface CandidateRow {
  seq: number;
  id: string;
  title: string;
  published: string | null;
  bm25: number;
  keep: number;
}

/** Random markers for snippet(): stored text can contain any fixed string, not one it has never seen. */
const MARK_OPEN = `\uE000${randomBytes(12).toString('hex')}\uE001`;
const MARK_CLOSE = `\uE002${randomBytes(12).toString('hex')}\uE003`;
const SNIPPET_TOKENS = 32;

/** The weights as `bm25()` parameters, checked: numbers only, finite, not negative. */
function weightParams(weights: Bm25Weights): { wTitle: number; wAbstract: number; wBody: number } {
  const values = [weights.title, weights.abstract, weights.body];
  if (!values.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0)) {
    throw new InvalidSearchOptionsError('weights', 'expected finite weights of 0 or more for title, abstract and body');
  }
  return { wTitle: weights.title, wAbstract: weights.abstract, wBody: weights.body };
}

const statementCache = new WeakMap<Database, Map<string, Statement>>();
const planners = new WeakMap<Database, BroadWordPlanner>();

function plannerFor(db: Database, bounds: BroadWordBounds | undefined): BroadWordPlanner {
  if (bounds) return new BroadWordPlanner(db, bounds);
  let planner = planners.get(db);
  if (!planner) planners.set(db, (planner = new BroadWordPlanner(db)));
  return planner;
}

/** A prepared statement per database and SQL shape, prepared on first use. */
export function statement(db: Database, key: string, sql: () => string): Statement {
  let byKey = statementCache.get(db);
  if (!byKey) statementCache.set(db, (byKey = new Map()));
  let prepared = byKey.get(key);
  if (!prepared) byKey.set(key, (prepared = db.prepare(sql())));
  return prepared;
}

/**
 * The best `@candidates` matches by BM25, each with whether it passes the filters, which are
 * evaluated only for those rows (through CASE, so that a NULL date fails a date filter rather
 * than reading as "not 0"). `ORDER BY bm25(…)` rather than `rank MATCH 'bm25(…)' ORDER BY rank`:
 * on SciFact the latter took 9 ms a query against 5.4 ms, and this binds the weights as plain
 * parameters. The floor is CAST because better-sqlite3 binds a JS number as REAL, and FTS5 then
 * checks `rowid >=` on every match instead of starting its doclists there: at a million papers
 * ranking the newest 20,000 matches of common words took 38 ms p50 that way, 24 ms with the CAST.
 */
function candidateStatement(db: Database, filters: CompiledFilters): Statement {
  return statement(
    db,
    `candidates:${filters.shape}`,
    () => `
      WITH candidates AS (
        SELECT rowid AS seq, bm25(papers_fts, @wTitle, @wAbstract, @wBody) AS bm25 FROM papers_fts
        WHERE papers_fts MATCH @match AND rowid >= CAST(@floor AS INTEGER)
        ORDER BY bm25 LIMIT @candidates
      )
      SELECT p.seq, p.id, p.title, p.published, c.bm25, CASE WHEN ${filters.sql} THEN 1 ELSE 0 END AS keep
      FROM candidates c JOIN papers p ON p.seq = c.seq
      ORDER BY c.bm25, p.seq`,
  );
}

// The CAST matters: better-sqlite3 may bind a JS number as REAL, and FTS5 then drops the
// rowid constraint altogether, so every hit got the first matching row's snippet.
function snippetStatement(db: Database): Statement {
  return statement(
    db,
    'snippet',
    () => `
      SELECT snippet(papers_fts, -1, @open, @close, '…', @tokens) AS snippet
      FROM papers_fts WHERE papers_fts MATCH @match AND rowid = CAST(@seq AS INTEGER)`,
  );
}

/** Counts by category (the `size` largest, then by name) over these papers. */
export function categoryFacets(db: Database, ids: readonly string[], size = CATEGORY_FACET_SIZE): FacetCount[] {
  return categoryFacetStatement(db).all({ ids: JSON.stringify(ids), size }) as FacetCount[];
}

function categoryFacetStatement(db: Database): Statement {
  return statement(
    db,
    'facet:categories',
    () => `
      SELECT category AS value, count(*) AS count FROM paper_categories
      WHERE paper_id IN (SELECT value FROM json_each(@ids))
      GROUP BY category ORDER BY count DESC, category LIMIT @size`,
  );
}

function countOption(option: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidSearchOptionsError(option, `expected an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Snippet text as HTML: everything escaped, then the markers (which escaping leaves alone) turned into `<mark>`. */
function snippetHtml(raw: string): string {
  return raw.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!).replaceAll(MARK_OPEN, '<mark>').replaceAll(MARK_CLOSE, '</mark>');
}

/**
 * Snippets for chosen papers (by id), for a caller that ranked without them: hybrid search asks
 * BM25 for its whole candidate list but shows only one page of it.
 */
export function snippetsFor(db: Database, query: string, ids: readonly string[]): Map<string, string> {
  const { match } = parseUserQuery(query);
  const out = new Map<string, string>();
  if (!match || ids.length === 0) return out;
  const seqs = db.prepare('SELECT id, seq FROM papers WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as { id: string; seq: number }[];
  const snippet = snippetStatement(db);
  for (const { id, seq } of seqs) {
    const found = snippet.get({ match, seq, open: MARK_OPEN, close: MARK_CLOSE, tokens: SNIPPET_TOKENS }) as { snippet: string | null } | undefined;
    if (found?.snippet) out.set(id, snippetHtml(found.snippet));
  }
  return out;
}

function yearFacet(rows: readonly CandidateRow[]): FacetCount[] {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const year = row.published?.slice(0, 4);
    if (year !== undefined && /^\d{4}$/.test(year)) counts.set(year, (counts.get(year) ?? 0) + 1);
  }
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.value.localeCompare(a.value));
}

const NO_FACETS = (): LexicalSearchResult['facets'] => ({ categories: [], years: [] });

/**
 * BM25 search over titles, abstracts and bodies, with filters, facets and snippets.
 *
 * The query is parsed by `parseUserQuery` (never passed raw to MATCH); a query with nothing to
 * search answers no hits and a `reason`, not an error. FTS5 ranks the best `candidates` matches;
 * filters keep some of them, and when too few pass for the page asked, the bound widens (×4, up
 * to `MAX_CANDIDATES`). `total` and facets are over the filtered candidates; see `capped`.
 *
 * @throws InvalidSearchOptionsError for a limit, offset or candidate count out of range, bad weights, or a bad filter
 */
export function searchLexical(db: Database, query: string, options: LexicalSearchOptions = {}): LexicalSearchResult {
  const limit = countOption('limit', options.limit, 20, 0, MAX_LIMIT);
  const offset = countOption('offset', options.offset, 0, 0, MAX_CANDIDATES);
  const requested = countOption('candidates', options.candidates, DEFAULT_CANDIDATES, 1, MAX_CANDIDATES);
  const filters = compileFilters(options.filters);
  const weights = weightParams(options.weights ?? LEXICAL_BM25_WEIGHTS);

  const parsed = parseUserQuery(query);
  if (parsed.match === undefined) return { hits: [], total: 0, capped: false, facets: NO_FACETS(), reason: parsed.reason ?? NO_SEARCHABLE_WORDS };
  // Snippets highlight every word of the query; ranking may leave the broadest ones out.
  const match = parsed.match;
  const plan = plannerFor(db, options.broadWords).plan(parsed.parts, match);

  const candidates = candidateStatement(db, filters);
  const wanted = offset + limit;
  let bound = Math.min(Math.max(requested, wanted), MAX_CANDIDATES);
  let rows: CandidateRow[];
  let kept: CandidateRow[];
  let capped: boolean;
  for (;;) {
    // One row past the bound tells "exactly `bound` matches" from "more than were looked at".
    rows = candidates.all({ ...filters.params, ...weights, match: plan.match, floor: plan.floor, candidates: bound + 1 }) as CandidateRow[];
    capped = rows.length > bound;
    if (capped) rows = rows.slice(0, bound);
    kept = filters.active ? rows.filter((r) => r.keep !== 0) : rows;
    if (!capped || kept.length >= wanted || bound >= MAX_CANDIDATES) break;
    bound = Math.min(bound * 4, MAX_CANDIDATES);
  }

  const withSnippets = options.snippets ?? true;
  const snippet = withSnippets ? snippetStatement(db) : undefined;
  const hits = kept.slice(offset, wanted).map((row, i): LexicalHit => {
    const hit = { id: row.id, score: -row.bm25, rank: offset + i + 1, title: row.title };
    if (!snippet) return hit;
    const found = snippet.get({ match, seq: row.seq, open: MARK_OPEN, close: MARK_CLOSE, tokens: SNIPPET_TOKENS }) as { snippet: string | null } | undefined;
    return found?.snippet ? { ...hit, snippet: snippetHtml(found.snippet) } : hit;
  });

  const facets =
    (options.facets ?? true) && kept.length > 0
      ? {
          categories: categoryFacets(db, kept.map((r) => r.id)),
          years: yearFacet(kept),
        }
      : NO_FACETS();

  return { hits, total: kept.length, capped: capped || plan.narrowed !== undefined, facets, ...(plan.narrowed ? { narrowed: plan.narrowed } : {}) };
}
