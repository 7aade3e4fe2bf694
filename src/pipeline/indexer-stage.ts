import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { PaperRecord } from '../protocols/paper.js';
import type { Clock } from '../runtime/clock.js';
import type { Stage } from '../actors/pulling-stage.js';
import type { Journal, Job, NewJob } from '../storage/sqlite/journal.js';
import type { PaperStore } from '../storage/sqlite/papers.js';
import { JOB, hasArxivPdf, type EnrichPayload, type FetchPdfPayload } from './job-kinds.js';

export interface IndexerOptions {
  readonly db: Database;
  readonly journal: Journal;
  readonly papers: PaperStore;
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
 * FTS5, an outbox row per change), the follow-on PDF jobs and the jobs' completion in one
 * SQLite transaction per batch.
 */
/** Compiled once: the check runs on every payload the indexer claims. */
const isPaperRecord = TypeCompiler.Compile(PaperRecord);

export function indexerStage(options: IndexerOptions): Stage {
  const { db, journal, papers, owner } = options;
  let indexed = 0;
  let rejected = 0;

  const commit = db.transaction((valid: { job: Job; record: PaperRecord }[], invalid: Job[]) => {
    papers.upsertMany(valid.map((v) => v.record));
    const pdfJobs: NewJob[] = options.fetchPdfs
      ? valid
          .filter((v) => hasArxivPdf(v.record))
          .map((v) => ({ kind: JOB.fetchPdf, dedupKey: `pdf:${v.record.id}v${v.record.version}`, payload: { id: v.record.id, version: v.record.version } satisfies FetchPdfPayload, priority: v.job.priority }))
      : [];
    const enrichJobs: NewJob[] = options.enrich
      ? valid.map((v) => ({ kind: JOB.enrich, dedupKey: `enrich:${v.record.id}v${v.record.version}`, payload: { id: v.record.id, version: v.record.version } satisfies EnrichPayload, priority: v.job.priority }))
      : [];
    const created = pdfJobs.length > 0 ? journal.acceptMany(pdfJobs).filter((r) => r.created).length : 0;
    const enrichCreated = enrichJobs.length > 0 ? journal.acceptMany(enrichJobs).filter((r) => r.created).length : 0;
    journal.completeMany(valid.map((v) => v.job.id), owner, { dropPayload: true });
    for (const job of invalid) journal.fail(job.id, owner, new Error('payload is not a valid PaperRecord'), { permanent: true });
    return { pdfJobs: created, enrichJobs: enrichCreated };
  });

  return {
    async step() {
      const jobs = journal.claim(owner, options.batchSize, options.leaseMs, options.clock.now(), JOB.ingest);
      if (jobs.length === 0) return 0;
      const valid: { job: Job; record: PaperRecord }[] = [];
      const invalid: Job[] = [];
      for (const job of jobs) {
        if (isPaperRecord.Check(job.payload)) valid.push({ job, record: job.payload });
        else invalid.push(job);
      }
      if (options.delayPerItemMs) await sleep(options.clock, options.delayPerItemMs * jobs.length);
      const { pdfJobs, enrichJobs } = commit(valid, invalid);
      indexed += valid.length;
      rejected += invalid.length;
      if (invalid.length > 0) options.log.warn({ jobs: invalid.map((j) => j.id) }, 'ingest jobs with invalid payloads failed');
      options.committed({ indexed: valid.length, pdfJobs, enrichJobs });
      return jobs.length;
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
