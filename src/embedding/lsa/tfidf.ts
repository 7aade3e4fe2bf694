import type { SparseVector } from './sparse-matrix.js';

/** Which features make the vocabulary. */
export interface VocabularyOptions {
  /** Keep at most this many features, the most widespread first. */
  readonly size: number;
  /** Drop features found in fewer documents: typos, ids, one-off bigrams. */
  readonly minDocumentFrequency: number;
  /** Drop features found in more than this share of the documents: they separate nothing. */
  readonly maxDocumentFraction: number;
}

// Past this many distinct features counted, the rarest are forgotten: bigrams of 100,000 abstracts
// run to millions, almost all seen once, and would otherwise hold hundreds of MB of strings.
const DEFAULT_COUNTER_CAPACITY = 2_000_000;

/**
 * Document frequencies of features, memory-bounded: when the table outgrows its capacity the
 * features of lowest count are dropped (and any that come back start again from zero), so the
 * counts of rare features are lower bounds. Features common enough to enter a vocabulary are
 * counted exactly as long as they clear the floor before the first pruning.
 */
export class DocumentFrequencyCounter {
  private readonly counts = new Map<string, number>();
  private floor = 0;
  /** Documents counted. */
  documents = 0;

  constructor(private readonly capacity = DEFAULT_COUNTER_CAPACITY) {}

  /** Counts one document's features, each once however often it occurs. */
  add(features: readonly string[]): void {
    this.documents++;
    for (const feature of new Set(features)) this.counts.set(feature, (this.counts.get(feature) ?? 0) + 1);
    if (this.counts.size > this.capacity) this.prune();
  }

  private prune(): void {
    while (this.counts.size > this.capacity * 0.75) {
      this.floor++;
      for (const [feature, count] of this.counts) if (count <= this.floor) this.counts.delete(feature);
    }
  }

  /**
   * The vocabulary: features within the document-frequency bounds, the most widespread first
   * (ties alphabetical, so the order is a function of the counts), at most `size`.
   */
  vocabulary(options: VocabularyOptions): { terms: string[]; documentFrequencies: Uint32Array } {
    const maxCount = Math.max(options.minDocumentFrequency, Math.floor(options.maxDocumentFraction * this.documents));
    const kept = [...this.counts].filter(([, n]) => n >= options.minDocumentFrequency && n <= maxCount);
    kept.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const top = kept.slice(0, options.size);
    return { terms: top.map(([t]) => t), documentFrequencies: Uint32Array.from(top, ([, n]) => n) };
  }
}

/** Smoothed inverse document frequency, as scikit-learn's: ln((1 + N) / (1 + df)) + 1, never zero. */
export function smoothedIdf(documentFrequencies: Uint32Array, documents: number): Float32Array {
  return Float32Array.from(documentFrequencies, (df) => Math.log((1 + documents) / (1 + df)) + 1);
}

/**
 * TF-IDF over a fixed vocabulary: sublinear term frequency (1 + ln tf), so a word repeated ten
 * times counts about three times as much as once, times idf, L2-normalised so long and short
 * texts weigh alike in the SVD. Features outside the vocabulary are ignored.
 */
export class TfIdfWeighting {
  private readonly index: Map<string, number>;

  constructor(readonly terms: readonly string[], readonly idf: Float32Array) {
    if (terms.length !== idf.length) throw new RangeError(`${terms.length} terms but ${idf.length} idf weights`);
    this.index = new Map(terms.map((t, i) => [t, i]));
  }

  /** The weighted vector of one text's features; empty when none is in the vocabulary. */
  vector(features: readonly string[]): SparseVector {
    const counts = new Map<number, number>();
    for (const feature of features) {
      const i = this.index.get(feature);
      if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    const indices = Int32Array.from(counts.keys()).sort();
    const values = new Float32Array(indices.length);
    let norm = 0;
    indices.forEach((term, k) => {
      const w = (1 + Math.log(counts.get(term)!)) * this.idf[term]!;
      values[k] = w;
      norm += w * w;
    });
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let k = 0; k < values.length; k++) values[k]! *= scale;
    }
    return { indices, values };
  }
}
