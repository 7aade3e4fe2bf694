import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Database } from 'better-sqlite3';
import { PaperRecord } from '../protocols/paper.js';
import { StepClock } from '../runtime/clock.js';
import { Journal, type Job, type NewJob } from '../storage/sqlite/journal.js';
import { PaperStore } from '../storage/sqlite/papers.js';
import { TransactionSlices } from '../storage/sqlite/transaction-slices.js';
import type { HoldingGate } from '../storage/sqlite/worker-connection.js';
import { JOB, hasArxivPdf, type EnrichPayload, type FetchPdfPayload } from './job-kinds.js';

/** One indexer step, as the event loop asks the index writer for it. */
export interface IndexRequest {
  readonly owner: string;
  readonly batchSize: number;
  readonly leaseMs: number;
  /** The step's time on the node's clock: leases and rows are stamped with it. */
  readonly now: number;
  readonly fetchPdfs: boolean;
  readonly enrich: boolean;
}

export interface IndexOutcome {
  /** Jobs claimed (indexed + rejected): 0 means there was nothing to do. */
  readonly claimed: number;
  readonly indexed: number;
  /** Ids of jobs whose payload was not a paper: failed for good. */
  readonly rejected: readonly number[];
  readonly pdfJobs: number;
  readonly enrichJobs: number;
  readonly transactions: number;
}

/**
 * How long one transaction may hold SQLite's write lock. At a million papers a paper costs about
 * 2 ms to write (its author and category rows land on pages all over their B-trees), so a batch
 * of 500 would hold the lock for a second, and every other write of the node would wait that long.
 */
const TRANSACTION_BUDGET_MS = 40;
const FIRST_SLICE = 8;

/** Compiled once: the check runs on every payload the indexer claims. */
const isPaperRecord = TypeCompiler.Compile(PaperRecord);

/**
 * The indexer's writes, on a connection of their own: claims a batch of `ingest` jobs and writes
 * their papers (versions, authors, categories, FTS5, an outbox row per change), the follow-on PDF
 * and enrichment jobs and the jobs' completion, a slice at a time: each slice is one transaction,
 * sized from the last ones to stay near `TRANSACTION_BUDGET_MS`, so the lock changes hands between
 * slices. A crash between slices leaves the rest of the batch leased, to be claimed again when
 * the lease runs out; writing a paper twice changes nothing.
 */
export class IndexBatches {
  private readonly journal: Journal;
  private readonly papers: PaperStore;
  private readonly clock = new StepClock('the index writer');
  private readonly slices = new TransactionSlices(TRANSACTION_BUDGET_MS, FIRST_SLICE);
  private readonly commit: (valid: { job: Job; record: PaperRecord }[], invalid: Job[], request: IndexRequest) => { pdfJobs: number; enrichJobs: number };

  constructor(db: Database, private readonly holding: HoldingGate) {
    // Every row of a step carries the step's time, as the node's clock gave it.
    const clock = this.clock;
    this.journal = new Journal(db, clock);
    this.papers = new PaperStore(db, clock);
    this.commit = db.transaction((valid: { job: Job; record: PaperRecord }[], invalid: Job[], request: IndexRequest) => {
      if (valid.length > 0) this.papers.upsertMany(valid.map((v) => v.record));
      const pdfJobs: NewJob[] = request.fetchPdfs
        ? valid
            .filter((v) => hasArxivPdf(v.record))
            .map((v) => ({ kind: JOB.fetchPdf, dedupKey: `pdf:${v.record.id}v${v.record.version}`, payload: { id: v.record.id, version: v.record.version } satisfies FetchPdfPayload, priority: v.job.priority }))
        : [];
      const enrichJobs: NewJob[] = request.enrich
        ? valid.map((v) => ({ kind: JOB.enrich, dedupKey: `enrich:${v.record.id}v${v.record.version}`, payload: { id: v.record.id, version: v.record.version } satisfies EnrichPayload, priority: v.job.priority }))
        : [];
      const created = pdfJobs.length > 0 ? this.journal.acceptMany(pdfJobs).filter((r) => r.created).length : 0;
      const enrichCreated = enrichJobs.length > 0 ? this.journal.acceptMany(enrichJobs).filter((r) => r.created).length : 0;
      this.journal.completeMany(valid.map((v) => v.job.id), request.owner, { dropPayload: true });
      for (const job of invalid) this.journal.fail(job.id, request.owner, new Error('payload is not a valid PaperRecord'), { permanent: true });
      return { pdfJobs: created, enrichJobs: enrichCreated };
    });
  }

  run(request: IndexRequest): IndexOutcome {
    this.clock.at(request.now);
    const jobs = this.holding(() => this.journal.claim(request.owner, request.batchSize, request.leaseMs, request.now, JOB.ingest));
    const rejected = jobs.filter((job) => !isPaperRecord.Check(job.payload));
    const valid = jobs.filter((job) => isPaperRecord.Check(job.payload)).map((job) => ({ job, record: job.payload as PaperRecord }));
    let pdfJobs = 0;
    let enrichJobs = 0;
    let transactions = 0;
    for (let at = 0; at < valid.length || (at === 0 && rejected.length > 0); ) {
      const slice = valid.slice(at, at + this.slices.next(valid.length - at));
      const counts = this.holding(() => this.slices.timed(slice.length, () => this.commit(slice, at === 0 ? rejected : [], request)));
      pdfJobs += counts.pdfJobs;
      enrichJobs += counts.enrichJobs;
      transactions++;
      at += Math.max(1, slice.length);
    }
    return { claimed: jobs.length, indexed: valid.length, rejected: rejected.map((j) => j.id), pdfJobs, enrichJobs, transactions };
  }
}
