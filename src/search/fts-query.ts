/**
 * What a user typed, turned into an FTS5 MATCH expression that cannot be read as syntax. User
 * text never reaches MATCH raw: it is tokenized here the way the `unicode61` tokenizer of
 * `papers_fts` tokenizes documents, and every token goes back in double quotes, so `NEAR(`,
 * `title:`, `*`, `^`, `-`, `AND`/`OR`/`NOT` and SQL are all just words, or nothing.
 */

/** A query parsed for FTS5. `match` is undefined when nothing in it is searchable; `reason` then says why. */
export interface ParsedQuery {
  /** Single words, folded (lower-case, Latin diacritics removed), stopwords dropped, deduplicated. */
  readonly terms: string[];
  /** The user's double-quoted phrases of two words or more, as folded words (stopwords kept: they are indexed, and a phrase is exact). */
  readonly phrases: string[][];
  /** Each phrase and word, quoted for MATCH. */
  readonly parts: string[];
  /** A safe MATCH expression: `parts` joined with OR. */
  readonly match: string | undefined;
  readonly reason?: string;
}

/**
 * Most words (single terms plus the words of phrases) one query sends to FTS5. Each is one more
 * posting list to merge and score; past a few dozen a query is a pasted document, and the head
 * of it says enough.
 */
export const MAX_QUERY_WORDS = 32;

/** Longest word kept, in code points. Longer runs are hashes or pasted noise that no document shares as one token. */
export const MAX_WORD_LENGTH = 64;

/**
 * Most characters of user text read. Past this the rest is ignored, so a 100k-character query
 * costs what a 4k one does.
 */
export const MAX_QUERY_CHARS = 4096;

/** Why a query found nothing to search for. */
export const NO_SEARCHABLE_WORDS = 'the query has no searchable words';

/**
 * Short English function words. FTS5 indexes them (its tokenizer has no stop list), so they
 * match almost every paper: dropping them keeps a query off the posting lists that cost seconds
 * at a million papers, and stops them from adding noise to BM25. Close to Lucene's English set.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  `a an and are as at be but by for from has have if in into is it its no not of on or such that the their then
there these they this to was were will with we our us i`.split(/\s+/),
);

/** Uppercase words FTS5 reads as operators when left bare. Lower-case they are plain words; uppercase they are syntax, not content. */
const FTS_OPERATORS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'NEAR']);

/** A column filter (`title:`, `{title abstract}:`, `- body:`): syntax naming a column, not something to search for. */
const COLUMN_FILTER = /\{[^}]*\}\s*:|\b(?:title|abstract|body)\s*:/giu;

/**
 * Token characters of `unicode61` with its default `categories 'L* N* Co'`: letters, numbers,
 * private use. Everything else, combining marks included, separates tokens, as FTS5 does.
 */
const WORD = /[\p{L}\p{N}\p{Co}]+/gu;

/** Latin letters with diacritics: the ones `remove_diacritics 2` folds. Other scripts keep theirs (FTS5 does not fold が to か). */
const LATIN_WITH_DIACRITICS = /[\u00c0-\u024f\u1e00-\u1eff]/gu;
const COMBINING_MARKS = /\p{M}/gu;

/** One word as FTS5 sees it: Latin diacritics removed, lower-cased. */
export function foldWord(word: string): string {
  return word.replace(LATIN_WITH_DIACRITICS, (ch) => ch.normalize('NFD').replace(COMBINING_MARKS, '')).toLowerCase();
}

/** The words of a text, split and folded as `unicode61 remove_diacritics 2` would, before stemming. */
export function tokenizeWords(text: string): string[] {
  const words: string[] = [];
  // Folding first: a precomposed letter decomposes to base + mark, and the mark must go, not split the word.
  for (const match of foldWord(text).matchAll(WORD)) words.push(match[0]);
  return words;
}

/** An FTS5 string literal. Words from `tokenizeWords` never contain `"`, but doubling it keeps that true by construction. */
function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** Splits text into quoted and unquoted segments; with an odd number of `"` every quote is just a separator. */
function segments(text: string): { text: string; quoted: boolean }[] {
  const parts = text.split('"');
  if (parts.length % 2 === 0) return [{ text: parts.join(' '), quoted: false }];
  return parts.map((part, i) => ({ text: part, quoted: i % 2 === 1 }));
}

/** Words of a segment with syntax words removed: operators in uppercase, column names before `:`. */
function contentWords(text: string): string[] {
  const withoutColumns = text.replace(COLUMN_FILTER, ' ');
  const words: string[] = [];
  for (const match of withoutColumns.matchAll(WORD)) {
    if (FTS_OPERATORS.has(match[0])) continue;
    words.push(...tokenizeWords(match[0]));
  }
  return words.filter((w) => [...w].length <= MAX_WORD_LENGTH);
}

/**
 * Parses user text into terms and phrases and builds a MATCH expression from them.
 *
 * - Words are split and folded like FTS5's tokenizer does; porter stemming is left to FTS5,
 *   which applies it to quoted strings too.
 * - Balanced double quotes make phrases; a one-word phrase is a term. Unbalanced quotes are
 *   ignored.
 * - FTS5 syntax is never passed on: operators, parentheses, `*`, `^`, `+`, `-`, column filters.
 * - Stopwords are dropped from terms, unless the query has nothing else.
 * - Everything is joined with OR: BM25 ranks papers matching more of the words higher, where
 *   AND would drop every paper missing one word of a long query.
 * - At most `MAX_QUERY_WORDS` words in all; words are deduplicated.
 *
 * Never throws; nothing searchable gives `match: undefined` and a `reason`.
 */
export function parseUserQuery(text: string): ParsedQuery {
  const input = typeof text === 'string' ? text.slice(0, MAX_QUERY_CHARS) : '';
  const singles: string[] = [];
  const phrases: string[][] = [];
  for (const segment of segments(input)) {
    const words = contentWords(segment.text);
    if (segment.quoted && words.length > 1) phrases.push(words);
    else singles.push(...words);
  }

  const unique = [...new Set(singles)];
  const content = unique.filter((w) => !STOPWORDS.has(w));
  // A query of stopwords only ("to be or not to be") is still a question about those words.
  const chosenTerms = content.length > 0 || phrases.length > 0 ? content : unique;

  let budget = MAX_QUERY_WORDS;
  const keptPhrases: string[][] = [];
  const seenPhrases = new Set<string>();
  for (const phrase of phrases) {
    const key = phrase.join(' ');
    if (seenPhrases.has(key) || phrase.length > budget) continue;
    seenPhrases.add(key);
    keptPhrases.push(phrase);
    budget -= phrase.length;
  }
  const terms = chosenTerms.slice(0, budget);

  const parts = [...keptPhrases.map((p) => quote(p.join(' '))), ...terms.map(quote)];
  if (parts.length === 0) return { terms: [], phrases: [], parts: [], match: undefined, reason: NO_SEARCHABLE_WORDS };
  return { terms, phrases: keptPhrases, parts, match: parts.join(' OR ') };
}
