export { VectorStore, vectorSchema, type VectorHit, type VectorRow, type VectorStoreOptions } from './vector-store.js';
