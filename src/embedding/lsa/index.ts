export { fitLsa, type LsaFitOptions } from './fit-lsa.js';
export { LsaEmbedder, type FittedEmbedder } from './lsa-embedder.js';
export type { LsaModel, LsaProvenance, LsaSettings } from './lsa-model.js';
export { shouldRefit, type RefitPolicy } from './refit-policy.js';
export { tokenize } from './tokenizer.js';
