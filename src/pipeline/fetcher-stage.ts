import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Stage } from '../actors/pulling-stage.js';
import { describeError } from '../errors.js';
import { classifyPdfFailure } from '../fetcher/failure.js';
import type { PdfFetcher } from '../fetcher/pdf-fetcher.js';
import type { Clock } from '../runtime/clock.js';
import type { Journal } from '../storage/sqlite/journal.js';
import type { PaperStore } from '../storage/sqlite/papers.js';
import { JOB, type ExtractPayload, type FetchPdfPayload } from './job-kinds.js';

export interface FetcherOptions {
  readonly db: Database;
  readonly journal: Journal;
  readonly papers: PaperStore;
  readonly fetcher: PdfFetcher;
  readonly clock: Clock;
  readonly log: Logger;
  readonly owner: string;
  readonly leaseMs: number;
  /** Delay before retry n (1-based) of a download that failed for a reason that may pass. */
  readonly retryDelayMs: (attempt: number) => number;
  readonly committed: () => void;
}

/**
 * The fetcher: one PDF at a time (arXiv allows one connection), through the shared rate limiter.
 * A stored PDF, its extract job and the job's completion commit together; a permanent failure
 * (not a PDF, too large, gone) is recorded on the paper, a passing one is retried with backoff.
 */
export function fetcherStage(options: FetcherOptions): Stage {
  const { db, journal, papers, owner, log } = options;
  let stored = 0;
  let failed = 0;
  let retried = 0;

  const succeed = db.transaction((jobId: number, payload: FetchPdfPayload, sha256: string, priority: 0 | 1 | 2) => {
    papers.setPdf(payload.id, { status: 'stored', sha256 });
    journal.accept(JOB.extract, `extract:${payload.id}v${payload.version}:${sha256}`, { ...payload, sha256 } satisfies ExtractPayload, priority);
    journal.complete(jobId, owner);
  });
  const giveUp = db.transaction((jobId: number, payload: FetchPdfPayload, error: unknown) => {
    const { name, message } = describeError(error);
    if (papers.get(payload.id)) papers.setPdf(payload.id, { status: 'failed', error: `${name}: ${message}` });
    journal.fail(jobId, owner, error, { permanent: true });
  });

  return {
    async step() {
      const [job] = journal.claim(owner, 1, options.leaseMs, options.clock.now(), JOB.fetchPdf);
      if (!job) return 0;
      const payload = job.payload as FetchPdfPayload;
      try {
        const pdf = await options.fetcher.fetch(`${payload.id}v${payload.version}`, { priority: job.priority === 0 ? 'hot' : job.priority === 1 ? 'normal' : 'offline' });
        succeed(job.id, payload, pdf.sha256, job.priority);
        stored++;
        options.committed();
      } catch (error) {
        if (classifyPdfFailure(error) === 'permanent') {
          giveUp(job.id, payload, error);
          failed++;
          log.warn({ paper: payload.id, err: error }, 'PDF failed for good');
        } else {
          journal.fail(job.id, owner, error, { retryAt: options.clock.now() + options.retryDelayMs(job.attempts) });
          retried++;
          log.info({ paper: payload.id, attempt: job.attempts, err: error }, 'PDF download will be retried');
        }
      }
      return 1;
    },
    close() {
      journal.release(owner);
    },
    summary: () => ({ stored, failed, retried }),
  };
}
