import type { Database } from 'better-sqlite3';
import type { EnrichmentProvenance, EnrichmentResult } from '../enrichment/index.js';
import { GraphStore, enrichmentFacts, paperFacts } from '../graph/index.js';
import type { Clock } from '../runtime/clock.js';
import { EnrichmentStore } from '../storage/sqlite/enrichments.js';
import type { Job, Journal } from '../storage/sqlite/journal.js';
import type { StoredPaper } from '../storage/sqlite/paper-rows.js';

/** An enrichment made for one version of a paper. */
export interface MadeEnrichment {
  readonly paper: StoredPaper;
  readonly version: number;
  readonly result: EnrichmentResult;
  readonly provenance: EnrichmentProvenance;
}

/**
 * The transaction that ends an enrich job: the enrichment, the paper's place in the knowledge
 * graph (authors, categories, and what the enrichment found) and the job's completion commit
 * together, so a crash redoes a paper, never loses it. Without `made` (the paper is gone or was
 * revised) the job only completes.
 */
export function enrichmentCommit(db: Database, journal: Journal, clock: Clock): (job: Job, owner: string, made?: MadeEnrichment) => void {
  const store = new EnrichmentStore(db, clock);
  const graph = new GraphStore(db, clock);
  return db.transaction((job: Job, owner: string, made?: MadeEnrichment) => {
    if (made) {
      const { paper, result, provenance } = made;
      store.upsert(paper.id, made.version, result, provenance);
      const at = clock.now();
      graph.apply(paperFacts(paper), { source: paper.source, at });
      graph.apply(enrichmentFacts(paper.id, result), { source: `enrichment:${provenance.producer}`, at });
    }
    journal.complete(job.id, owner);
  });
}
