import type { Database } from 'better-sqlite3';
import { JOB } from '../../pipeline/job-kinds.js';
import { OaiHarvestCheckpoint, readCheckpoint, type CheckpointStore } from '../../sources/arxiv/harvest-checkpoint.js';
import { harvest, type RecordSink } from '../../sources/arxiv/oai-harvester.js';
import type { ArxivHttpClient } from '../../sources/arxiv/http-client.js';
import type { JobClass, Step, StepOutcome } from '../job-class.js';
import type { BackfillRequests } from './backfill-requests.js';

export interface BackfillClassDeps {
  readonly db: Database;
  readonly requests: BackfillRequests;
  /** The shared arXiv client (its rate limiter serves offline requests last). */
  readonly client: Pick<ArxivHttpClient, 'oai'>;
  /** The journal, behind the pipeline's backpressure. */
  readonly sink: RecordSink;
  readonly checkpoints: CheckpointStore;
  /** Backfilled records waiting in the journal at most before the harvest waits. */
  readonly backlog: number;
  readonly priority?: number;
}

/** The step ended because the scheduler wants the slot back or the backlog is full: not an error. */
class StepOver extends Error {}

/**
 * How long a page in flight may finish after the scheduler takes the slot back. Cut at once, a
 * page the repository had already sent (its reply crossing the abort) was asked for again.
 */
const PAGE_GRACE_MS = 3_000;

/**
 * Backfill as an offline job class: each queued harvest (`BackfillRequests`) runs page by page
 * through the OAI-PMH harvester, whose checkpoint (the resumption token) is the cursor; before
 * each request the step asks the scheduler whether it may go on, so a pause or a rise in online
 * load stops it before the next page; the request in flight gets `PAGE_GRACE_MS` to finish before
 * it is aborted. Units are records.
 * Records go into the journal at offline priority, so the pipeline serves online work first, and
 * no more than `backlog` wait there, so stopping the harvest soon stops the work it caused.
 */
export function backfillClass(deps: BackfillClassDeps): JobClass {
  const backlogNow = deps.db.prepare(`SELECT count(*) FROM jobs WHERE kind = ? AND state IN ('queued', 'leased') AND priority = 2`).pluck();
  const backlogged = () => (backlogNow.get(JOB.ingest) as number) >= deps.backlog;
  const checkpointOf = (key: string) => {
    try {
      return readCheckpoint(deps.checkpoints, key, OaiHarvestCheckpoint);
    } catch {
      return undefined;
    }
  };

  return {
    name: 'backfill',
    priority: deps.priority ?? 20,
    pending() {
      const queued = deps.requests.queued();
      const current = deps.requests.next();
      const cp = current ? checkpointOf(current.scopeKey) : undefined;
      const remaining = queued === 0 ? 0 : cp?.completeListSize !== undefined && queued === 1 ? Math.max(0, cp.completeListSize - cp.records - cp.deleted) : null;
      return { queued, remaining };
    },
    async run(step: Step): Promise<StepOutcome> {
      const request = deps.requests.next();
      if (!request) return { done: 0, more: false };
      const stepOver = new AbortController();
      // Requests are cut by `stepOver` (after the grace); waits for room end as soon as the slot is taken back.
      const signal = stepOver.signal;
      const waits = AbortSignal.any([step.signal, signal]);
      let grace: ReturnType<typeof setTimeout> | undefined;
      const takenBack = () => (grace = setTimeout(() => stepOver.abort(step.signal.reason), PAGE_GRACE_MS));
      step.signal.addEventListener('abort', takenBack, { once: true });
      let done = 0;
      let seen = checkpointOf(request.scopeKey)?.records ?? 0;
      const gated: RecordSink = {
        accept: (records, priority) => deps.sink.accept(records, priority),
        async waitForCapacity(priority) {
          while (backlogged() && step.mayContinue()) await sleep(100, waits);
          if (!step.mayContinue() || backlogged()) stepOver.abort(new StepOver('step over'));
          signal.throwIfAborted();
          await abortable(deps.sink.waitForCapacity?.(priority), waits);
        },
      };
      try {
        await harvest({
          client: deps.client,
          sink: gated,
          checkpoints: deps.checkpoints,
          from: request.from,
          until: request.until,
          ...(request.set === null ? {} : { set: request.set }),
          signal,
          logger: step.log,
          onProgress: (p) => {
            done += Math.max(0, p.records - seen);
            seen = p.records;
          },
        });
        deps.requests.done(request.id);
        step.log.info({ from: request.from, until: request.until, set: request.set }, 'backfill complete');
        return { done, more: deps.requests.queued() > 0 };
      } catch (error) {
        if (waits.aborted) return { done, more: true };
        deps.requests.failed(request.id, error);
        step.log.warn({ err: error, from: request.from, until: request.until, set: request.set }, 'backfill failed; ask for it again to resume from its last page');
        return { done, failed: 1, more: deps.requests.queued() > 0 };
      } finally {
        step.signal.removeEventListener('abort', takenBack);
        clearTimeout(grace);
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return abortable(new Promise<void>((r) => setTimeout(r, ms)), signal);
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T> | undefined, signal: AbortSignal): Promise<T | undefined> {
  if (promise === undefined) return Promise.resolve(undefined);
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}
