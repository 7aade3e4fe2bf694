import { porterStem } from './porter-stemmer.js';

// English function words, plus words every abstract uses whatever it is about: left in, they
// would tie unrelated papers together in the first singular vectors.
const STOPWORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him himself his ' +
    'how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves ' +
    'out over own same she should so some such than that the their theirs them themselves then there these they this those through ' +
    'to too under until up very was we were what when where which while who whom why will with would you your yours yourself ' +
    'yourselves may might must shall upon via within without thus however therefore among amongst whether either neither ' +
    'et al eg ie etc'
  ).split(' '),
);

// Stemming is the costly part of tokenizing and the same words recur in every text.
const STEM_CACHE_LIMIT = 500_000;
const stemCache = new Map<string, string>();

function stemOf(word: string): string {
  let stem = stemCache.get(word);
  if (stem === undefined) {
    stem = porterStem(word);
    // Clearing rather than evicting one by one keeps the bound without bookkeeping per hit.
    if (stemCache.size >= STEM_CACHE_LIMIT) stemCache.clear();
    stemCache.set(word, stem);
  }
  return stem;
}

/**
 * The words of a text as stems: NFKD with diacritics folded, lower-cased, split on anything that
 * is not a letter or a digit (Unicode-aware), stopwords and one-character tokens dropped, Porter
 * stems for a–z words. Close to what FTS5's `porter unicode61` indexes, so the lexical and the
 * vector side agree on what a word is. A stopword leaves a `null` gap, so that bigrams never
 * join words the text did not put side by side.
 */
export function tokenizeWithGaps(text: string): (string | null)[] {
  const tokens = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const out: (string | null)[] = [];
  for (const token of tokens) {
    if (token.length < 2 || STOPWORDS.has(token)) {
      if (out.length > 0 && out[out.length - 1] !== null) out.push(null);
    } else out.push(stemOf(token));
  }
  return out;
}

/** The stems of a text, in order, stopwords dropped. */
export function tokenize(text: string): string[] {
  return tokenizeWithGaps(text).filter((t): t is string => t !== null);
}

/**
 * The features of a text that TF-IDF counts: its stems and, when `bigrams` is set, each pair of
 * stems that stand side by side in it (joined by a space, which never occurs inside a stem).
 * Repeated features are repeated: their count is the term frequency.
 */
export function textFeatures(text: string, bigrams: boolean): string[] {
  const tokens = tokenizeWithGaps(text);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === null || token === undefined) continue;
    out.push(token);
    const previous = tokens[i - 1];
    if (bigrams && previous) out.push(`${previous} ${token}`);
  }
  return out;
}
