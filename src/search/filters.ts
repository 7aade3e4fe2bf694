import { InvalidSearchOptionsError } from '../errors.js';

/**
 * Search filters: which papers may appear in results. Each one given narrows; an empty list is
 * no filter. Filters compose with AND.
 */
export interface SearchFilters {
  /** Papers in any of these categories (primary or cross-listed). */
  readonly categories?: readonly string[];
  /** Papers first published on or after this day, `YYYY-MM-DD` (UTC, as arXiv dates are). */
  readonly from?: string;
  /** Papers first published on or before this day, `YYYY-MM-DD`, the whole day included. */
  readonly until?: string;
  /** Papers from any of these sources (`arxiv-api`, `oai-pmh`, `beir`, …). */
  readonly source?: readonly string[];
  /** Papers with (true) or without (false) a known code repository. */
  readonly hasCode?: boolean;
}

/**
 * Filters as an SQL boolean expression over `papers p`, with named parameters. The expression
 * is assembled from fixed fragments only: user values travel as parameters, lists as one JSON
 * array read by `json_each`, so the SQL text depends on which filters are set, never on their
 * values or how many there are. `shape` names that text, for caching prepared statements.
 */
export interface CompiledFilters {
  readonly shape: string;
  readonly sql: string;
  readonly params: Record<string, string | number>;
  /** Whether any filter is set. */
  readonly active: boolean;
}

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day as a UTC Date, or undefined when it is not a real `YYYY-MM-DD` day. */
function parseDay(value: string): Date | undefined {
  const m = ISO_DAY.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // Date.UTC rolls 2024-02-30 over to March; a day that does not survive the round trip is not a day.
  return date.toISOString().slice(0, 10) === value ? date : undefined;
}

function dayOption(option: string, value: unknown): Date {
  const day = typeof value === 'string' ? parseDay(value) : undefined;
  if (!day) throw new InvalidSearchOptionsError(option, `expected a day as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return day;
}

function stringList(option: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new InvalidSearchOptionsError(option, 'expected a list of strings');
  }
  return value as string[];
}

/**
 * Compiles filters to SQL over the alias `p` (a `papers` row).
 * @throws InvalidSearchOptionsError when a date is not a `YYYY-MM-DD` day, a list is not of strings, or `hasCode` is not a boolean
 */
export function compileFilters(filters: SearchFilters = {}): CompiledFilters {
  const clauses: string[] = [];
  const shape: string[] = [];
  const params: Record<string, string | number> = {};

  if (filters.categories !== undefined) {
    const categories = stringList('filters.categories', filters.categories);
    if (categories.length > 0) {
      clauses.push('EXISTS (SELECT 1 FROM paper_categories pc WHERE pc.paper_id = p.id AND pc.category IN (SELECT value FROM json_each(@filterCategories)))');
      params.filterCategories = JSON.stringify(categories);
      shape.push('categories');
    }
  }
  if (filters.from !== undefined) {
    // Stored dates are ISO timestamps ("2024-01-01T00:00:00Z"), which sort as strings: a day
    // compares below every timestamp of that day, so `>= day` keeps the whole day.
    params.filterFrom = dayOption('filters.from', filters.from).toISOString().slice(0, 10);
    clauses.push('p.published >= @filterFrom');
    shape.push('from');
  }
  if (filters.until !== undefined) {
    const day = dayOption('filters.until', filters.until);
    // `< next day` rather than `<= day`: "2024-01-31T09:00:00Z" > "2024-01-31" as strings.
    params.filterUntil = new Date(day.getTime() + 86_400_000).toISOString().slice(0, 10);
    clauses.push('p.published < @filterUntil');
    shape.push('until');
  }
  if (filters.source !== undefined) {
    const sources = stringList('filters.source', filters.source);
    if (sources.length > 0) {
      clauses.push('p.source IN (SELECT value FROM json_each(@filterSources))');
      params.filterSources = JSON.stringify(sources);
      shape.push('source');
    }
  }
  if (filters.hasCode !== undefined) {
    if (typeof filters.hasCode !== 'boolean') throw new InvalidSearchOptionsError('filters.hasCode', 'expected true or false');
    // Two fixed fragments, not a parameter: any non-zero has_code means code, as the store reads it.
    clauses.push(filters.hasCode ? 'p.has_code <> 0' : 'p.has_code = 0');
    shape.push(filters.hasCode ? 'hasCode' : 'noCode');
  }

  return { shape: shape.join('+') || 'none', sql: clauses.length > 0 ? clauses.join(' AND ') : '1', params, active: clauses.length > 0 };
}
