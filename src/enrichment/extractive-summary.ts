import { tokenize } from '../embedding/lsa/index.js';
import { shortenText, splitSentences } from './sentences.js';

/** How the extractive summary weighs a sentence. */
const WEIGHTS = {
  /** Similarity to the abstract's TF-IDF centroid: what the abstract as a whole is about. */
  centroid: 0.65,
  /** Similarity to the title: the authors' own one-line statement of the topic. */
  title: 0.25,
  /** A sentence that states the contribution ("we propose…") is what a TL;DR should say. */
  contributionCue: 0.1,
} as const;

const CONTRIBUTION_CUE = /\b(?:we|this (?:paper|work))\s+(?:propose|present|introduce|develop|show|demonstrate|design|describe)s?\b/i;
// Below this many content words a sentence is a fragment ("Code is available.") more than a summary.
const MIN_CONTENT_WORDS = 4;

type SparseVector = Map<string, number>;

function weigh(terms: readonly string[], idf: ReadonlyMap<string, number>): SparseVector {
  const v: SparseVector = new Map();
  for (const t of terms) v.set(t, (v.get(t) ?? 0) + (idf.get(t) ?? 1));
  return v;
}

function cosine(a: SparseVector, b: SparseVector): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [t, w] of a) {
    na += w * w;
    dot += w * (b.get(t) ?? 0);
  }
  for (const w of b.values()) nb += w * w;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/**
 * The one or two sentences of an abstract that best stand for it, in their order, within
 * `maxChars`. Sentences are scored by cosine similarity of their TF-IDF vectors (IDF over the
 * abstract's own sentences, so words every sentence repeats count less) to the centroid of all
 * of them, plus similarity to the title and a small bonus for stating the contribution. The
 * second sentence is added only when both fit; a best sentence longer than the limit is cut.
 * An empty abstract gives an empty string.
 */
export function extractiveSummary(abstract: string, title: string, maxChars: number): string {
  const sentences = splitSentences(abstract);
  if (sentences.length === 0) return '';
  const terms = sentences.map((s) => tokenize(s));
  const df = new Map<string, number>();
  for (const ts of terms) for (const t of new Set(ts)) df.set(t, (df.get(t) ?? 0) + 1);
  const idf = new Map([...df].map(([t, n]) => [t, Math.log(1 + sentences.length / n)]));
  const vectors = terms.map((ts) => weigh(ts, idf));

  const centroid: SparseVector = new Map();
  for (const v of vectors) {
    const norm = Math.sqrt([...v.values()].reduce((s, w) => s + w * w, 0)) || 1;
    for (const [t, w] of v) centroid.set(t, (centroid.get(t) ?? 0) + w / norm);
  }
  const titleVector = weigh(tokenize(title), idf);

  const scored = sentences.map((text, index) => {
    let score =
      WEIGHTS.centroid * cosine(vectors[index]!, centroid) +
      WEIGHTS.title * cosine(vectors[index]!, titleVector) +
      (CONTRIBUTION_CUE.test(text) ? WEIGHTS.contributionCue : 0);
    if (terms[index]!.length < MIN_CONTENT_WORDS) score *= 0.5;
    // Prefer a sentence that fits whole over one that would have to be cut.
    if (text.length > maxChars) score *= 0.8;
    return { text, index, score };
  });
  const ranked = [...scored].sort((a, b) => b.score - a.score || a.index - b.index);
  const best = ranked[0]!;
  if (best.text.length > maxChars) return shortenText(best.text, maxChars);
  const second = ranked.slice(1).find((s) => best.text.length + 1 + s.text.length <= maxChars);
  if (!second) return best.text;
  return [best, second].sort((a, b) => a.index - b.index).map((s) => s.text).join(' ');
}
