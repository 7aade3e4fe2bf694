import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Stage } from '../actors/pulling-stage.js';
import type { FactProvenance, GraphFacts } from '../graph/facts.js';
import { BadInputError } from '../errors.js';
import { JOB } from '../pipeline/job-kinds.js';
import type { Clock } from '../runtime/clock.js';
import type { Job, Journal } from '../storage/sqlite/journal.js';
import { inTurn, type WriteGate } from '../storage/sqlite/write-gate.js';
import type { WebhookJobPayload } from './deliveries.js';
import { githubEventTime, githubFacts } from './github-facts.js';
import { huggingfaceFacts } from './hf-facts.js';

/**
 * Applies facts to the graph, synchronously, on the stage's database: it runs inside the
 * transaction that completes the job, so facts and completion commit together.
 */
export type ApplyFacts = (facts: GraphFacts, provenance: FactProvenance) => void;

export interface WebhookStageOptions {
  /** The database both the journal and `apply` write to. */
  readonly db: Database;
  readonly journal: Journal;
  /**
   * Shared with the index writer's thread: the stage's claims and commits wait for the event
   * loop's turn. Without it they met the writer's transaction in SQLite's busy handler, which
   * sleeps on the event loop: under imports a step took hundreds of ms, holding every request.
   */
  readonly writeGate?: WriteGate;
  readonly apply: ApplyFacts;
  readonly clock: Clock;
  readonly log: Logger;
  readonly owner: string;
  readonly leaseMs: number;
  /** Jobs claimed at once. */
  readonly batch: number;
  /** Attempts before a delivery whose facts cannot be applied is failed for good; 5 by default. */
  readonly maxAttempts?: number;
  /** The first retry's delay, doubled each attempt; 30 s by default. */
  readonly retryDelayMs?: number;
  readonly committed?: () => void;
}

/** The facts a journaled delivery carries, and where they came from. */
export function deliveryFacts(payload: WebhookJobPayload, receivedAt: number): { facts: GraphFacts; provenance: FactProvenance } {
  if (payload.provider === 'github') {
    return { facts: githubFacts(payload.event, payload.body), provenance: { source: 'github-webhook', at: githubEventTime(payload.event, payload.body, receivedAt) } };
  }
  // Hugging Face payloads carry no time of their own: they are dated on arrival.
  return { facts: huggingfaceFacts(payload.body, receivedAt), provenance: { source: 'hf-webhook', at: receivedAt } };
}

/**
 * The webhook stage: claims `webhook` jobs (hot priority), turns each delivery into graph facts
 * and applies them in one transaction with the job's completion, so that a crash redoes a
 * delivery and never applies it twice. GitHub facts are dated by the event's own time, so a late
 * redelivery of older news does not overwrite newer; Hugging Face facts when paperd received them.
 */
export function webhookStage(options: WebhookStageOptions): Stage {
  const { db, journal, owner, log } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 30_000;
  const counts = { applied: 0, empty: 0, retried: 0, failed: 0 };

  const commit = db.transaction((job: Job, facts: GraphFacts, provenance: FactProvenance) => {
    if (facts.entities.length > 0 || facts.edges.length > 0) options.apply(facts, provenance);
    journal.complete(job.id, owner);
  });

  function handle(job: Job): void {
    const payload = job.payload as WebhookJobPayload;
    try {
      const { facts, provenance } = deliveryFacts(payload, job.createdAt);
      commit.immediate(job, facts, provenance);
      if (facts.entities.length === 0 && facts.edges.length === 0) counts.empty++;
      else counts.applied++;
    } catch (error) {
      // Facts the store refuses as malformed will be refused again: no point retrying them.
      const last = job.attempts >= maxAttempts || error instanceof BadInputError;
      journal.fail(job.id, owner, error, last ? { permanent: true } : { retryAt: options.clock.now() + retryDelayMs * 2 ** (job.attempts - 1) });
      if (last) counts.failed++;
      else counts.retried++;
      log.warn({ job: job.id, provider: payload?.provider, event: payload?.event, delivery: payload?.deliveryId, err: error, final: last }, 'webhook facts not applied');
    }
  }

  return {
    async step() {
      // One turn at the write lock for the claim and the batch's commits (each its own transaction).
      const claimed = await inTurn(options.writeGate, () => {
        const jobs = journal.claim(owner, options.batch, options.leaseMs, options.clock.now(), JOB.webhook);
        for (const job of jobs) handle(job);
        return jobs.length;
      });
      if (claimed > 0) options.committed?.();
      return claimed;
    },
    close() {
      journal.release(owner);
    },
    summary: () => ({ ...counts }),
  };
}
