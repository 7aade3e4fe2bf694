import type { Database } from 'better-sqlite3';
import { fallbackEnrichment, fallbackProvenance, type EnrichmentResult } from '../enrichment/index.js';
import { BadInputError } from '../errors.js';
import { StepClock } from '../runtime/clock.js';
import { Journal } from '../storage/sqlite/journal.js';
import { PaperStore } from '../storage/sqlite/papers.js';
import type { HoldingGate } from '../storage/sqlite/worker-connection.js';
import { enrichmentCommit } from './enrichment-commit.js';
import { JOB, type EnrichPayload } from './job-kinds.js';

/** One enricher step without an LLM, as the event loop asks the enrichment writer for it. */
export interface FallbackEnrichRequest {
  readonly owner: string;
  readonly limit: number;
  readonly leaseMs: number;
  /** The step's time on the node's clock: leases and rows are stamped with it. */
  readonly now: number;
  /** A paper whose enrichment failed for a passing reason is tried again this much later. */
  readonly retryMs: number;
}

export interface FallbackEnrichOutcome {
  /** Jobs claimed: 0 means there was nothing to do. */
  readonly claimed: number;
  readonly enriched: number;
  /** Papers gone, or revised since their job was queued (the newer version has its own job). */
  readonly skipped: number;
  /** Papers the fallback refused (`permanent`) or failed on; their jobs say why. */
  readonly failed: readonly { readonly paper: string; readonly message: string; readonly permanent: boolean }[];
}

/**
 * The enricher's work when no LLM is configured, on a connection of its own: claims `enrich`
 * jobs, answers each with the embedded fallback, and commits the enrichment, the paper's place in
 * the knowledge graph and the job's completion in one transaction per paper, as the enricher on
 * the event loop does with an LLM's answer. At a million papers that is about a millisecond of
 * SQLite a paper: an import of 20,000 spent 19 s of the event loop's time on it.
 */
export class FallbackEnrichmentBatches {
  private readonly clock = new StepClock('the enrichment writer');
  private readonly journal: Journal;
  private readonly papers: PaperStore;
  private readonly commit: ReturnType<typeof enrichmentCommit>;

  constructor(db: Database, private readonly holding: HoldingGate) {
    this.journal = new Journal(db, this.clock);
    this.papers = new PaperStore(db, this.clock);
    this.commit = enrichmentCommit(db, this.journal, this.clock);
  }

  run(request: FallbackEnrichRequest): FallbackEnrichOutcome {
    this.clock.at(request.now);
    const { owner } = request;
    const jobs = this.holding(() => this.journal.claim(owner, request.limit, request.leaseMs, request.now, JOB.enrich));
    let enriched = 0;
    let skipped = 0;
    const failed: { paper: string; message: string; permanent: boolean }[] = [];
    for (const job of jobs) {
      const payload = job.payload as EnrichPayload;
      const paper = this.papers.get(payload.id);
      if (!paper || paper.version !== payload.version) {
        this.holding(() => this.commit(job, owner));
        skipped++;
        continue;
      }
      let result: EnrichmentResult;
      try {
        result = fallbackEnrichment(paper);
      } catch (error) {
        // A paper with nothing to summarise is refused for good; anything else is tried again.
        const permanent = error instanceof BadInputError;
        this.holding(() => this.journal.fail(job.id, owner, error, permanent ? { permanent } : { retryAt: request.now + request.retryMs }));
        failed.push({ paper: payload.id, message: (error as Error).message, permanent });
        continue;
      }
      this.holding(() => this.commit(job, owner, { paper, version: payload.version, result, provenance: fallbackProvenance }));
      enriched++;
    }
    return { claimed: jobs.length, enriched, skipped, failed };
  }
}
