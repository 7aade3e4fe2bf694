import type { Embedder } from '../embedder.js';
import { decodeLsaModel, encodeLsaModel } from './lsa-model-codec.js';
import type { LsaModel } from './lsa-model.js';
import { TfIdfWeighting } from './tfidf.js';
import { textFeatures } from './tokenizer.js';

/**
 * An embedder learned from a corpus. Its `name` carries `fitId`, so vectors of two fits (which
 * live in different latent spaces even at equal settings) are never compared.
 */
export interface FittedEmbedder extends Embedder {
  /** Documents in the corpus when it was fitted: what `shouldRefit` compares the corpus with. */
  readonly fittedOn: number;
  /** Identifies this fit: a hash of the model's content. */
  readonly fitId: string;
}

/**
 * Latent semantic analysis: a text's TF-IDF vector projected onto the top singular vectors of the
 * corpus's TF-IDF matrix, weighted by Σ^(e−1), L2-normalised. Terms that co-occur across the corpus
 * share directions, so a query finds documents that use other words for the same thing. Embedding
 * costs one multiply-add per (term in the text × dimension). A text with no known term embeds to
 * the zero vector, which `cosineSimilarity` scores 0 against everything.
 */
/**
 * How long a batch embeds before the event loop turns: a paper costs about 0.3 ms on a quiet
 * machine and several times that on a busy one, so the slice is bounded by time, not count.
 */
const EMBED_SLICE_MS = 5;

export class LsaEmbedder implements FittedEmbedder {
  readonly name: string;
  readonly dimensions: number;
  readonly fittedOn: number;
  private readonly weighting: TfIdfWeighting;
  private readonly dimensionWeights: Float64Array;

  /** Use `fitLsa` or `LsaEmbedder.fromModel` / `deserialize`: the fit id must match the model. */
  private constructor(readonly model: LsaModel, readonly fitId: string) {
    const { settings } = model;
    this.dimensions = settings.dimensions;
    this.fittedOn = model.provenance.documentsSeen;
    this.name = `lsa-v1-d${settings.dimensions}-${fitId}`;
    this.weighting = new TfIdfWeighting(model.terms, model.idf);
    this.dimensionWeights = Float64Array.from(model.singularValues, (sigma) =>
      // A direction the corpus does not span (σ = 0) carries nothing, whatever the exponent.
      sigma > 0 ? sigma ** (settings.sigmaExponent - 1) : 0,
    );
  }

  /** The embedder of a model, its fit id computed from its content. */
  static fromModel(model: LsaModel): LsaEmbedder {
    return new LsaEmbedder(model, encodeLsaModel(model).fitId);
  }

  /**
   * The embedder saved by `serialize`.
   * @throws EmbeddedModelCorruptError when the bytes are not an intact model
   */
  static deserialize(bytes: Uint8Array, source?: string): LsaEmbedder {
    const { model, fitId } = decodeLsaModel(bytes, source);
    return new LsaEmbedder(model, fitId);
  }

  /** The model as a compact binary file (see `lsa-model-codec.ts`). */
  serialize(): Buffer {
    return encodeLsaModel(this.model).bytes;
  }

  /** Documents the SVD was computed on (at most the fit's `maxDocs`). */
  get sampledOn(): number {
    return this.model.provenance.documentsSampled;
  }

  /**
   * The vectors of many texts. A batch of papers costs a few hundred milliseconds of CPU; it is
   * embedded a slice at a time, letting the event loop turn between slices, so that the API's
   * requests are not held behind a whole batch.
   */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    let sliceEnd = performance.now() + EMBED_SLICE_MS;
    for (const text of texts) {
      if (performance.now() > sliceEnd) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceEnd = performance.now() + EMBED_SLICE_MS;
      }
      out.push(this.embedOne(text));
    }
    return out;
  }

  /** The vector of one text, synchronously. */
  embedOne(text: string): Float32Array {
    const d = this.dimensions;
    const { indices, values } = this.weighting.vector(textFeatures(text, this.model.settings.bigrams));
    const projection = this.model.projection;
    const sum = new Float64Array(d);
    // Four terms at a time: each element of the sum is loaded and stored once per four terms.
    let k = 0;
    for (; k + 3 < indices.length; k += 4) {
      const w0 = values[k]!, w1 = values[k + 1]!, w2 = values[k + 2]!, w3 = values[k + 3]!;
      const r0 = indices[k]! * d, r1 = indices[k + 1]! * d, r2 = indices[k + 2]! * d, r3 = indices[k + 3]! * d;
      for (let j = 0; j < d; j++) sum[j]! += w0 * projection[r0 + j]! + w1 * projection[r1 + j]! + w2 * projection[r2 + j]! + w3 * projection[r3 + j]!;
    }
    for (; k < indices.length; k++) {
      const w = values[k]!;
      const row = indices[k]! * d;
      for (let j = 0; j < d; j++) sum[j]! += w * projection[row + j]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) {
      sum[j]! *= this.dimensionWeights[j]!;
      norm += sum[j]! * sum[j]!;
    }
    const vector = new Float32Array(d);
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let j = 0; j < d; j++) vector[j] = sum[j]! * scale;
    }
    return vector;
  }
}
