/**
 * The knowledge graph: the facts every source states (`facts.ts`), the store that applies them
 * with provenance and answers bounded queries, and the facts a paper's metadata and enrichment
 * state.
 */
export { entityId, type EdgeFact, type EdgeKind, type EntityFact, type EntityKind, type EntityRef, type FactProvenance, type GraphFacts } from './facts.js';
export { EDGE_KINDS, ENTITY_KINDS } from './fact-checks.js';
export { GRAPH_LIMITS, GraphStore, type NeighborQuery, type PathQuery } from './graph-store.js';
export { enrichmentFacts, paperFacts, repositoryKey, type PaperForGraph } from './paper-facts.js';
export type { CodeLink, Direction, GraphEdge, GraphEntity, GraphPath, Neighbor, NeighborsResult, PaperCode, Truncation } from './types.js';
