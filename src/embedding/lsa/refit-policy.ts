/** When an embedded model is worth refitting. */
export interface RefitPolicy {
  /** Below this many documents a fit learns too little to beat the hash embedder (default 200). */
  readonly minDocuments?: number;
  /** Refit once the corpus has grown by this share of what the model was fitted on (default 0.25). */
  readonly growth?: number;
}

/**
 * Whether to refit a model fitted on `fittedOn` documents now that the corpus holds `corpusSize`
 * (pass 0 for `fittedOn` when there is no model yet):
 * - never while the corpus is below `minDocuments`;
 * - once it reaches `minDocuments`, when the model was fitted below it (tiny to usable);
 * - afterwards, once the corpus has grown by `growth` (25 %) since the fit: new topics bring
 *   words the vocabulary lacks and co-occurrences the SVD has not seen.
 * Shrinking never triggers a refit: a model fitted on more papers still embeds the ones left.
 */
export function shouldRefit(fittedOn: number, corpusSize: number, policy: RefitPolicy = {}): boolean {
  const minDocuments = policy.minDocuments ?? 200;
  const growth = policy.growth ?? 0.25;
  if (corpusSize < minDocuments) return false;
  if (fittedOn < minDocuments) return true;
  return corpusSize >= fittedOn * (1 + growth);
}
