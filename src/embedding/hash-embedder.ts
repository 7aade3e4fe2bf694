import type { Embedder } from './embedder.js';

/** Settings of a `HashEmbedder`; each one is part of its `name`, since each changes the vectors. */
export interface HashEmbedderOptions {
  /** Vector size (default 256). */
  readonly dimensions?: number;
  /** Weight of a word-pair feature relative to a single word (default 0.5). */
  readonly bigramWeight?: number;
}

// Words that occur in nearly every abstract: hashed in, they would only add noise shared by
// unrelated texts and pull every cosine up.
const STOPWORDS = new Set(
  ('a an and are as at be been but by can for from has have in into is it its of on or our that the their these this those ' +
    'to was we were which while with without via using based show shows propose proposed paper approach method methods results')
    .split(' '),
);

/**
 * The embedded embedder: feature hashing of word unigrams and bigrams into a fixed number of
 * dimensions with a hash-derived sign (so collisions cancel instead of piling up), sublinear term
 * frequency (1 + ln tf), L2-normalised. Deterministic, instant, no download; it captures lexical
 * overlap only. An empty text (or one of stopwords only) embeds to the zero vector.
 */
export class HashEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  private readonly bigramWeight: number;

  constructor(options: HashEmbedderOptions = {}) {
    this.dimensions = options.dimensions ?? 256;
    this.bigramWeight = options.bigramWeight ?? 0.5;
    if (!Number.isInteger(this.dimensions) || this.dimensions < 2) throw new RangeError(`dimensions must be an integer >= 2, not ${this.dimensions}`);
    this.name = `hash-v1-d${this.dimensions}-b${this.bigramWeight}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  /** The vector of one text, synchronously. */
  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    for (const [feature, { count, weight }] of features(words(text), this.bigramWeight)) {
      const h = fnv1a(feature);
      const index = h % this.dimensions;
      // The sign comes from a remix of the hash, so it does not follow from the bucket.
      const sign = fmix(h) & 1 ? -1 : 1;
      vector[index]! += sign * weight * (1 + Math.log(count));
    }
    let norm = 0;
    for (const v of vector) norm += v * v;
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
    }
    return vector;
  }
}

/** Lower-cased words with diacritics folded, stopwords dropped. */
function words(text: string): string[] {
  const tokens = text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return tokens.filter((t) => !STOPWORDS.has(t));
}

function features(tokens: readonly string[], bigramWeight: number): Map<string, { count: number; weight: number }> {
  const out = new Map<string, { count: number; weight: number }>();
  const add = (feature: string, weight: number) => {
    const seen = out.get(feature);
    if (seen) seen.count++;
    else out.set(feature, { count: 1, weight });
  };
  for (let i = 0; i < tokens.length; i++) {
    add(tokens[i]!, 1);
    // A space never occurs inside a token, so a bigram cannot collide with a unigram's key.
    if (i > 0 && bigramWeight > 0) add(`${tokens[i - 1]} ${tokens[i]}`, bigramWeight);
  }
  return out;
}

/** 32-bit FNV-1a over UTF-16 code units: stable across platforms and runs. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: spreads every input bit over the output. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
