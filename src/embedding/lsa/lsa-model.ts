/** The settings of a fitted LSA model that shape its vectors. */
export interface LsaSettings {
  /** Vector size. When the corpus has fewer independent directions, the extra ones stay zero. */
  readonly dimensions: number;
  /** Whether adjacent word pairs are features beside single words. */
  readonly bigrams: boolean;
  /**
   * The power e of Σ in document space: a text's vector is its projection onto the singular
   * vectors times Σ^(e−1), so a training document maps to its row of U·Σ^e. 1 is the plain
   * projection (U·Σ); 0 weighs every latent dimension alike (U).
   */
  readonly sigmaExponent: number;
}

/** How a model came to be: recorded beside it, not used to embed. No timestamps, so equal fits hash alike. */
export interface LsaProvenance {
  /** Documents in the corpus the fit read (what refitting compares the corpus with). */
  readonly documentsSeen: number;
  /** Documents the SVD was computed on: all of them, or a uniform sample of `maxDocs`. */
  readonly documentsSampled: number;
  readonly seed: number;
  readonly powerIterations: number;
  readonly oversampling: number;
  readonly minDocumentFrequency: number;
  readonly maxDocumentFraction: number;
}

/** Everything a fitted LSA model is made of. */
export interface LsaModel {
  readonly settings: LsaSettings;
  readonly provenance: LsaProvenance;
  /** The vocabulary: stems, and bigrams as two stems joined by a space. */
  readonly terms: readonly string[];
  /** One smoothed idf per term. */
  readonly idf: Float32Array;
  /** `settings.dimensions` singular values, largest first; zero past the corpus's rank. */
  readonly singularValues: Float32Array;
  /** V, terms × dimensions, row-major: row t is term t's direction in the latent space. */
  readonly projection: Float32Array;
}
