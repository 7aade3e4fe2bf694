/**
 * Turns texts into vectors of a fixed size. Implementations: the embedded `HashEmbedder` (no
 * download, always there) and, later, learned models behind an OpenAI-compatible endpoint.
 * Vectors from different embedders are not comparable: `name` is stored beside each vector.
 */
export interface Embedder {
  /** Identifies the model and its settings; changes whenever its vectors would. */
  readonly name: string;
  readonly dimensions: number;
  /**
   * One vector per text, in order. `online`: a person waits (a query); `offline` (the default): a
   * background sync. Embedders behind a shared endpoint serve online requests first.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
}

export interface EmbedOptions {
  readonly priority?: 'online' | 'offline';
}

/** Cosine similarity; 0 when either vector is all zeros. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
