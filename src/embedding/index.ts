export { cosineSimilarity, type Embedder } from './embedder.js';
export { HashEmbedder, type HashEmbedderOptions } from './hash-embedder.js';
