export { coAuthorshipStep, DERIVED_SOURCE, MAX_AUTHORS_PER_PAPER, type DeriveStep } from './co-authorship.js';
export { relatedPapersStep, DEFAULT_RELATED, type RelatedPapersOptions } from './related-papers.js';
export { CENTRALITY_EDGES, loadCentralityGraph, recomputeCentrality, type CentralityRun } from './centrality.js';
export { pageRank, centralityOf, DEFAULT_PAGERANK } from './pagerank.js';
export { recomputeCentralityInWorker } from './centrality-in-worker.js';
export { graphRecomputeClass, type GraphRecomputeOptions } from './graph-job.js';
