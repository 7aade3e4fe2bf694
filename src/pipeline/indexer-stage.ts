import type { Logger } from 'pino';
import type { Clock } from '../runtime/clock.js';
import type { Stage } from '../actors/pulling-stage.js';
import type { Journal } from '../storage/sqlite/journal.js';
import type { IndexWriter } from './index-writer.js';

export interface IndexerOptions {
  /** Where the batches are written: a thread with its own connection. */
  readonly writer: IndexWriter;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly log: Logger;
  readonly owner: string;
  readonly batchSize: number;
  readonly leaseMs: number;
  /** Queue a PDF download for each new arXiv version. */
  readonly fetchPdfs: boolean;
  /** Queue an enrichment (summary, tags, entities) for each new version. */
  readonly enrich?: boolean;
  /** After each commit: wake the stages that follow. */
  readonly committed: (counts: { indexed: number; pdfJobs: number; enrichJobs: number }) => void;
  /**
   * Slows indexing by this much per item, on the injected clock: the backpressure tests and
   * benchmarks use it to stand in for a slow store. 0 in production.
   */
  readonly delayPerItemMs?: number;
}

/**
 * The indexer: claims `ingest` jobs and writes their papers (versions, authors, categories,
 * FTS5, an outbox row per change), the follow-on PDF and enrichment jobs and the jobs' completion,
 * through the index writer's thread (see `IndexBatches`).
 */
export function indexerStage(options: IndexerOptions): Stage {
  const { journal, owner } = options;
  let indexed = 0;
  let rejected = 0;

  return {
    async step() {
      const outcome = await options.writer.index({
        owner, batchSize: options.batchSize, leaseMs: options.leaseMs, now: options.clock.now(), fetchPdfs: options.fetchPdfs, enrich: options.enrich ?? false,
      });
      if (outcome.claimed === 0) return 0;
      // After the batch: the stage keeps the pace of a slow store.
      if (options.delayPerItemMs) await sleep(options.clock, options.delayPerItemMs * outcome.claimed);
      indexed += outcome.indexed;
      rejected += outcome.rejected.length;
      if (outcome.rejected.length > 0) options.log.warn({ jobs: outcome.rejected }, 'ingest jobs with invalid payloads failed');
      options.committed({ indexed: outcome.indexed, pdfJobs: outcome.pdfJobs, enrichJobs: outcome.enrichJobs });
      return outcome.claimed;
    },
    close() {
      journal.release(owner);
    },
    summary: () => ({ indexed, rejected }),
  };
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
