/**
 * arXiv identifiers and version dates, in every spelling the sources use: `2401.01234v2`,
 * `arXiv:2401.01234`, `http://arxiv.org/abs/hep-th/9901001v1`, `oai:arXiv.org:math/0202001`.
 */

/** An arXiv id split from its version; `version` is absent when the spelling carried none. */
export interface ArxivIdParts {
  /** Without version: `2401.01234`, `hep-th/9901001`. */
  readonly id: string;
  readonly version?: number;
}

/** One version of an arXiv paper as its history lists it. */
export interface ArxivVersion {
  readonly version: number;
  /** ISO 8601, UTC, seconds precision: when this version was submitted. */
  readonly date: string;
  /** As arXiv states it (`15kb`), when it does. */
  readonly size?: string;
}

// New style since April 2007 (4 digits after the dot until 2014, 5 since); old style is
// archive[.SUBJECT-CLASS]/YYMMNNN, and the subject class was never part of the identity.
const NEW_STYLE = /^(\d{4}\.\d{4,5})(?:v(\d+))?$/;
const OLD_STYLE = /^([a-z]+(?:-[a-z]+)*)(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?\/(\d{7})(?:v(\d+))?$/;
const PREFIXES = [
  /^https?:\/\/(?:export\.|www\.)?arxiv\.org\/(?:abs|pdf)\//i,
  /^oai:arxiv\.org:/i,
  /^arxiv:/i,
];

/**
 * Parses any spelling of an arXiv id. Returns `undefined` for what is not one (an error feed's
 * `…/api/errors#…` id, `abc`), so callers decide how to report it.
 */
export function parseArxivId(text: string): ArxivIdParts | undefined {
  let rest = text.trim();
  for (const prefix of PREFIXES) rest = rest.replace(prefix, '');
  rest = rest.replace(/\.pdf$/i, '');
  const modern = NEW_STYLE.exec(rest);
  if (modern) return withVersion(modern[1]!, modern[2]);
  const old = OLD_STYLE.exec(rest);
  if (old) return withVersion(`${old[1]}/${old[2]}`, old[3]);
  return undefined;
}

function withVersion(id: string, version: string | undefined): ArxivIdParts | undefined {
  if (version === undefined) return { id };
  const n = Number(version);
  return n >= 1 ? { id, version: n } : undefined;
}

/** For an old-style id (`hep-th/9901001`) its archive, which served as its category; `undefined` for new-style ids. */
export function archiveOf(id: string): string | undefined {
  const slash = id.indexOf('/');
  return slash > 0 ? id.slice(0, slash) : undefined;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };
const RFC2822_GMT = /^(?:[A-Z][a-z]{2},\s*)?(\d{1,2})\s+([A-Z][a-z]{2})\s+(\d{4})\s+(\d{2}):(\d{2}):(\d{2})\s+(?:GMT|UT|UTC|\+0000)$/;

/**
 * The dates of `.abs` files and arXivRaw versions (`Fri, 1 Jan 1999 01:01:10 GMT`) as ISO 8601.
 * Parsed by pattern rather than `Date.parse`, whose leniency would turn a typo into a wrong date.
 */
export function parseArxivDate(text: string): string | undefined {
  const m = RFC2822_GMT.exec(text.trim());
  if (!m) return undefined;
  const month = MONTHS[m[2]!];
  if (month === undefined) return undefined;
  const date = new Date(Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (date.getUTCDate() !== Number(m[1])) return undefined;
  return toIsoSeconds(date);
}

/** An RFC 3339 timestamp (Atom) normalised to UTC with seconds precision; `undefined` when unreadable. */
export function normaliseTimestamp(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : toIsoSeconds(new Date(ms));
}

function toIsoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The first DOI of a DOI field. arXiv lets authors list several (separated by spaces, commas or
 * semicolons: the article, then errata); the first is the article's.
 */
export function primaryDoi(text: string | undefined): string | undefined {
  const first = text?.trim().split(/[\s,;]+/)[0];
  return first ? first : undefined;
}
