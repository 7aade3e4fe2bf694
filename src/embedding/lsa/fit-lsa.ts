import { EmbedderFitError } from '../../errors.js';
import { LsaEmbedder } from './lsa-embedder.js';
import type { LsaModel } from './lsa-model.js';
import { randomizedSvd } from './randomized-svd.js';
import { SeededRandom } from './seeded-random.js';
import { CsrBuilder } from './sparse-matrix.js';
import { DocumentFrequencyCounter, smoothedIdf, TfIdfWeighting } from './tfidf.js';
import { textFeatures } from './tokenizer.js';

/** How to fit an LSA model; every field has a default measured on SciFact (bench/support/scifact-vectors.ts). */
export interface LsaFitOptions {
  /** Vector size (default 256). */
  readonly dimensions?: number;
  /** Vocabulary size: the most widespread features kept (default 50,000). */
  readonly vocabulary?: number;
  /**
   * Features in fewer documents are dropped (default 1). Since the vocabulary keeps the most
   * widespread features first, this only matters while the corpus has fewer distinct features than
   * `vocabulary`; on SciFact keeping the rare ones scored better (nDCG@10 0.527 against 0.506).
   */
  readonly minDocumentFrequency?: number;
  /** Features in more than this share of the documents are dropped (default 0.5). */
  readonly maxDocumentFraction?: number;
  /** Adjacent word pairs as features too (default false: on SciFact they crowd out words and score lower). */
  readonly bigrams?: boolean;
  /** Power of Σ in document space (default 0.5); see `LsaSettings.sigmaExponent`. */
  readonly sigmaExponent?: number;
  /** Fit on a uniform sample of at most this many documents (default 50,000): bounds time and memory. */
  readonly maxDocs?: number;
  /** Seeds the sample and the SVD's test matrix (default 1). */
  readonly seed?: number;
  /** Subspace iterations of the randomized SVD (default 2; more changed nothing measurable on SciFact). */
  readonly powerIterations?: number;
  /** Extra directions the randomized SVD samples (default 20). */
  readonly oversampling?: number;
}

const DEFAULTS = {
  dimensions: 256,
  vocabulary: 50_000,
  minDocumentFrequency: 1,
  maxDocumentFraction: 0.5,
  bigrams: false,
  sigmaExponent: 0.5,
  maxDocs: 50_000,
  seed: 1,
  powerIterations: 2,
  oversampling: 20,
} as const;

// Tokenizing yields to the event loop this often, so a fit on the main thread still lets it breathe.
const YIELD_EVERY_DOCS = 2_000;

/**
 * Fits LSA on a corpus (one text per document, title and abstract): TF-IDF over the vocabulary of
 * the sample, then a truncated SVD by randomized subspace iteration. Deterministic for a seed and
 * the same texts in the same order. Reads `texts` once; holds at most `maxDocs` of them.
 * CPU-bound for seconds to minutes (about a minute for 50,000 abstracts on two cores): run it in a
 * worker thread or when the node is idle.
 * @throws EmbedderFitError when no feature occurs in `minDocumentFrequency` documents (with the
 *   defaults: when every text is empty or all stopwords)
 */
export async function fitLsa(texts: Iterable<string> | AsyncIterable<string>, options: LsaFitOptions = {}): Promise<LsaEmbedder> {
  const o = { ...DEFAULTS, ...definedOnly(options) };
  if (!Number.isInteger(o.dimensions) || o.dimensions < 2) throw new RangeError(`dimensions must be an integer >= 2, not ${o.dimensions}`);
  if (!Number.isInteger(o.maxDocs) || o.maxDocs < 1) throw new RangeError(`maxDocs must be a positive integer, not ${o.maxDocs}`);

  const { sample, seen } = await uniformSample(texts, o.maxDocs, new SeededRandom(o.seed));
  const counter = new DocumentFrequencyCounter();
  for (let i = 0; i < sample.length; i++) {
    counter.add(textFeatures(sample[i]!, o.bigrams));
    if (i % YIELD_EVERY_DOCS === YIELD_EVERY_DOCS - 1) await breathe();
  }
  const { terms, documentFrequencies } = counter.vocabulary({
    size: o.vocabulary,
    minDocumentFrequency: o.minDocumentFrequency,
    maxDocumentFraction: o.maxDocumentFraction,
  });
  if (terms.length === 0) throw new EmbedderFitError(`no term occurs in ${o.minDocumentFrequency} or more documents`, seen);

  const weighting = new TfIdfWeighting(terms, smoothedIdf(documentFrequencies, sample.length));
  const builder = new CsrBuilder(terms.length);
  for (let i = 0; i < sample.length; i++) {
    builder.addRow(weighting.vector(textFeatures(sample[i]!, o.bigrams)));
    if (i % YIELD_EVERY_DOCS === YIELD_EVERY_DOCS - 1) await breathe();
  }
  const sampled = sample.length;
  sample.length = 0; // the texts are no longer needed; let them go before the SVD's allocations
  const matrix = builder.build();
  await breathe();

  const svd = randomizedSvd(matrix, { rank: o.dimensions, oversampling: o.oversampling, powerIterations: o.powerIterations, seed: o.seed });
  // The vector size is a setting, not a property of the corpus: directions a small corpus cannot
  // supply stay zero, so the vector table keeps its shape from the first fit to the last.
  const rank = svd.singularValues.length;
  const singularValues = new Float32Array(o.dimensions);
  singularValues.set(svd.singularValues);
  const projection = new Float32Array(terms.length * o.dimensions);
  for (let t = 0; t < terms.length; t++) {
    for (let j = 0; j < rank; j++) projection[t * o.dimensions + j] = svd.rightVectors.data[t * rank + j]!;
  }

  const model: LsaModel = {
    settings: { dimensions: o.dimensions, bigrams: o.bigrams, sigmaExponent: o.sigmaExponent },
    provenance: {
      documentsSeen: seen,
      documentsSampled: sampled,
      seed: o.seed,
      powerIterations: o.powerIterations,
      oversampling: o.oversampling,
      minDocumentFrequency: o.minDocumentFrequency,
      maxDocumentFraction: o.maxDocumentFraction,
    },
    terms,
    idf: weighting.idf,
    singularValues,
    projection,
  };
  return LsaEmbedder.fromModel(model);
}

/**
 * At most `size` texts, a uniform sample of all of them (reservoir sampling, algorithm R), and
 * how many there were. Uniform rather than the first `size`, since a corpus read in id or date
 * order would otherwise fit the old papers only.
 */
async function uniformSample(texts: Iterable<string> | AsyncIterable<string>, size: number, random: SeededRandom): Promise<{ sample: string[]; seen: number }> {
  const sample: string[] = [];
  let seen = 0;
  for await (const text of texts) {
    seen++;
    if (sample.length < size) sample.push(text);
    else {
      const slot = random.nextInt(seen);
      if (slot < size) sample[slot] = text;
    }
  }
  return { sample, seen };
}

function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
