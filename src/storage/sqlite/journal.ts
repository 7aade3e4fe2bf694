import type { Database, Statement, Transaction } from 'better-sqlite3';
import { BadInputError, describeError } from '../../errors.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { TransactionSlices } from './transaction-slices.js';
import type { HoldingGate } from './worker-connection.js';
import { inTurn, type WriteGate } from './write-gate.js';
import { jobOf, type AcceptResult, type Job, type JobCount, type JobFailure, type JobPriority, type JobRow, type NewJob } from './jobs.js';

export * from './jobs.js';

/** Tuning of the journal; the defaults suit the single node. */
export interface JournalOptions {
  /**
   * A job whose lease expired this many times is failed instead of leased again: a job that
   * kills its worker every time must not take the pipeline down in a loop.
   */
  readonly maxAttempts?: number;
  /** How long past due a lease or a retry may be before `stuck` reports it. */
  readonly stuckGraceMs?: number;
  /** Shared with a writer thread of this process: `acceptManyInTurn` waits for it. */
  readonly writeGate?: WriteGate;
}

const CLAIM_ORDER = 'priority, not_before, id';

/** About how long one transaction of `acceptManyInTurn` holds the event loop. */
const ACCEPT_SLICE_MS = 10;

/**
 * The journal (`jobs`): whatever paperd accepted, durably, before anything acts on it. A job is
 * keyed by a dedup key, claimed under a lease that expires (so a crashed owner's jobs come back),
 * and finished by its owner. Delivery is at least once; handlers are idempotent.
 */
export class Journal {
  private readonly maxAttempts: number;
  /** The transactions of `acceptManyInTurn`, sized from the time the last ones took. */
  private readonly acceptSlices = new TransactionSlices(ACCEPT_SLICE_MS, 64);
  private readonly stuckGraceMs: number;
  private readonly insert: Statement<[{ kind: string; key: string; priority: number; now: number }]>;
  private readonly insertPayload: Statement<[number, string]>;
  private readonly payloadsOf: Statement<[string]>;
  private readonly dropPayloads: Statement<[string]>;
  private readonly findByKey: Statement<[string]>;
  private readonly countPending: Statement<[string]>;
  private readonly failExhausted: Statement<[{ now: number; max: number }]>;
  private readonly take: Statement<[{ owner: string; now: number; until: number; limit: number }]>;
  private readonly takeKind: Statement<[{ owner: string; now: number; until: number; limit: number; kind: string }]>;
  private readonly finish: Statement<[{ id: number; owner: string; state: 'done' | 'failed' | 'queued'; notBefore: number | null; error: string | null; now: number }]>;
  private readonly finishMany: Statement<[{ ids: string; owner: string; now: number }]>;
  private readonly acceptTx: Transaction<(jobs: readonly NewJob[], now: number) => AcceptResult[]>;
  private readonly claimTx: Transaction<(owner: string, limit: number, leaseMs: number, now: number, kind: string | undefined) => Job[]>;
  private readonly writeGate: WriteGate | undefined;

  constructor(private readonly db: Database, private readonly clock: Clock = systemClock(), options: JournalOptions = {}) {
    this.writeGate = options.writeGate;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.stuckGraceMs = options.stuckGraceMs ?? 5 * 60_000;
    this.insert = db.prepare(
      `INSERT INTO jobs (kind, dedup_key, priority, not_before, created_at, updated_at)
       VALUES (@kind, @key, @priority, @now, @now, @now) ON CONFLICT (dedup_key) DO NOTHING`,
    );
    this.insertPayload = db.prepare('INSERT INTO job_payloads (job_id, payload) VALUES (?, ?)');
    this.payloadsOf = db.prepare('SELECT job_id AS id, payload FROM job_payloads WHERE job_id IN (SELECT value FROM json_each(?))');
    this.dropPayloads = db.prepare('DELETE FROM job_payloads WHERE job_id IN (SELECT value FROM json_each(?))');
    this.findByKey = db.prepare('SELECT id FROM jobs WHERE dedup_key = ?');
    // Read by the pipeline's backpressure every 50 ms while producers wait, and by every GET /v1/stats.
    this.countPending = db.prepare(`SELECT count(*) FROM jobs WHERE kind = ? AND state IN ('queued', 'leased')`).pluck();
    this.failExhausted = db.prepare(
      `UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_until = NULL, updated_at = @now,
         last_error = 'LeaseExpired: lease expired after ' || attempts || ' attempts'
       WHERE state = 'leased' AND lease_until <= @now AND attempts >= @max`,
    );
    // Two index range scans, each stopping at `limit`, merged: an OR over both states would scan the table.
    this.take = db.prepare(claimSql(''));
    this.takeKind = db.prepare(claimSql('AND kind = @kind'));
    this.finish = db.prepare(
      `UPDATE jobs SET state = @state, not_before = coalesce(@notBefore, not_before), last_error = coalesce(@error, last_error),
         lease_owner = NULL, lease_until = NULL, updated_at = @now
       WHERE id = @id AND state = 'leased' AND lease_owner = @owner`,
    );
    this.finishMany = db.prepare(
      `UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, updated_at = @now
       WHERE id IN (SELECT value FROM json_each(@ids)) AND state = 'leased' AND lease_owner = @owner`,
    );
    this.acceptTx = db.transaction((jobs: readonly NewJob[], now: number) => jobs.map((job) => this.acceptOne(job, now)));
    this.claimTx = db.transaction((owner: string, limit: number, leaseMs: number, now: number, kind: string | undefined) => {
      this.failExhausted.run({ now, max: this.maxAttempts });
      const params = { owner, now, until: now + leaseMs, limit };
      const rows = (kind === undefined ? this.take.all(params) : this.takeKind.all({ ...params, kind })) as JobRow[];
      this.attachPayloads(rows);
      return rows.sort((a, b) => a.priority - b.priority || a.not_before - b.not_before || a.id - b.id).map(jobOf);
    });
  }

  /**
   * Records a job unless one with the same dedup key exists (whatever its state). Returns the
   * job's id and whether this call created it.
   */
  accept(kind: string, dedupKey: string, payload: unknown, priority: JobPriority = 1): AcceptResult {
    return this.acceptMany([{ kind, dedupKey, payload, priority }])[0]!;
  }

  /** `accept` for a batch, in one transaction. */
  acceptMany(jobs: readonly NewJob[]): AcceptResult[] {
    return this.acceptTx.immediate(jobs, this.clock.now());
  }

  /**
   * `acceptMany` once the write gate gives the event loop its turn (see `WriteGate`): a producer
   * that meets the index writer's transaction waits for it without holding the event loop. A
   * large batch goes in several transactions of about `ACCEPT_SLICE_MS`, the event loop turning
   * between them: at a million papers 500 imported papers took 200–400 ms in one, and every
   * search that arrived meanwhile waited for it. Each transaction is whole, and the dedup keys
   * make a batch cut short by a crash safe to accept again.
   */
  async acceptManyInTurn(jobs: readonly NewJob[]): Promise<AcceptResult[]> {
    const results: AcceptResult[] = [];
    for (let at = 0; at < jobs.length; ) {
      if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const slice = this.nextAcceptSlice(jobs, at);
      results.push(...(await inTurn(this.writeGate, () => this.acceptSlice(slice))));
      at += slice.length;
    }
    return results;
  }

  /**
   * `acceptManyInTurn` for a worker thread's connection: each transaction of about
   * `ACCEPT_SLICE_MS` runs `holding` the write gate, so the event loop's writers wait no longer.
   */
  acceptManyHolding(jobs: readonly NewJob[], holding: HoldingGate): AcceptResult[] {
    const results: AcceptResult[] = [];
    for (let at = 0; at < jobs.length; ) {
      const slice = this.nextAcceptSlice(jobs, at);
      results.push(...holding(() => this.acceptSlice(slice)));
      at += slice.length;
    }
    return results;
  }

  private nextAcceptSlice(jobs: readonly NewJob[], at: number): readonly NewJob[] {
    return jobs.slice(at, at + this.acceptSlices.next(jobs.length - at));
  }

  private acceptSlice(slice: readonly NewJob[]): AcceptResult[] {
    return this.acceptSlices.timed(slice.length, () => this.acceptMany(slice));
  }

  private acceptOne(job: NewJob, now: number): AcceptResult {
    const priority = job.priority ?? 1;
    if (priority !== 0 && priority !== 1 && priority !== 2) throw new BadInputError(`job priority must be 0, 1 or 2, not ${String(priority)}`);
    const info = this.insert.run({ kind: job.kind, key: job.dedupKey, priority, now });
    if (info.changes > 0) {
      const id = Number(info.lastInsertRowid);
      this.insertPayload.run(id, JSON.stringify(job.payload ?? null));
      return { id, created: true };
    }
    return { id: (this.findByKey.get(job.dedupKey) as { id: number }).id, created: false };
  }

  /**
   * Leases up to `limit` jobs to `owner` for `leaseMs`: queued jobs that are due and leased jobs
   * whose lease has expired, most urgent priority first, then longest due, then oldest. Each
   * claim counts as an attempt. With `kind`, only jobs of that kind, as each pipeline stage
   * claims; the claim index is per kind, so a claim without one scans (for tools and tests).
   */
  claim(owner: string, limit: number, leaseMs: number, now: number = this.clock.now(), kind?: string): Job[] {
    if (limit <= 0) return [];
    return this.claimTx.immediate(owner, limit, leaseMs, now, kind);
  }

  /**
   * Puts every leased job back in the queue, whoever held it. Only for the process that has just
   * taken the data dir's lock: every other owner is dead, so waiting for their leases to expire
   * would only delay recovery.
   */
  releaseAll(): number {
    return this.db.prepare(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE state = 'leased'`).run(this.clock.now()).changes;
  }

  /** Queued plus leased jobs of one kind. */
  pendingOf(kind: string): number {
    return this.countPending.get(kind) as number;
  }

  /** Extends `owner`'s lease on a long job; false if the lease is no longer its. */
  renew(id: number, owner: string, leaseMs: number): boolean {
    const now = this.clock.now();
    return (
      this.db.prepare(`UPDATE jobs SET lease_until = ?, updated_at = ? WHERE id = ? AND state = 'leased' AND lease_owner = ?`).run(now + leaseMs, now, id, owner)
        .changes > 0
    );
  }

  /**
   * Marks the job done. False if `owner` no longer holds it (its lease expired and another owner
   * took it): the caller's effects are committed and idempotent, so this is logged, not thrown.
   */
  complete(id: number, owner: string): boolean {
    return this.finish.run({ id, owner, state: 'done', notBefore: null, error: null, now: this.clock.now() }).changes > 0;
  }

  /**
   * Marks a batch of `owner`'s jobs done in one statement; returns how many it still held.
   * `dropPayload` empties their payloads: for jobs whose payload lives on in what they wrote
   * (an ingested record is in `paper_versions`), keeping a second copy only grows the file.
   */
  completeMany(ids: readonly number[], owner: string, options: { dropPayload?: boolean } = {}): number {
    if (ids.length === 0) return 0;
    const list = JSON.stringify(ids);
    const done = this.finishMany.run({ ids: list, owner, now: this.clock.now() }).changes;
    if (options.dropPayload) this.dropPayloads.run(list);
    return done;
  }

  /**
   * Records a failed attempt: back in the queue from `retryAt`, or failed for good. False if
   * `owner` no longer holds the job.
   */
  fail(id: number, owner: string, error: unknown, outcome: JobFailure): boolean {
    const { name, message } = describeError(error);
    const retry = 'retryAt' in outcome;
    return (
      this.finish.run({
        id,
        owner,
        state: retry ? 'queued' : 'failed',
        notBefore: retry ? outcome.retryAt : null,
        error: `${name}: ${message}`,
        now: this.clock.now(),
      }).changes > 0
    );
  }

  /** Puts every job `owner` holds back in the queue (an orderly stop); returns how many. */
  release(owner: string): number {
    return this.db
      .prepare(`UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE state = 'leased' AND lease_owner = ?`)
      .run(this.clock.now(), owner).changes;
  }

  /** The job, or undefined. */
  get<P = unknown>(id: number): Job<P> | undefined {
    const row = this.db.prepare(`SELECT ${withPayload} WHERE jobs.id = ?`).get(id) as JobRow | undefined;
    return row ? (jobOf(row) as Job<P>) : undefined;
  }

  /** Jobs per state and priority, from the counts the schema's triggers keep (`job_counts`). */
  counts(): JobCount[] {
    return this.db.prepare('SELECT state, priority, sum(n) AS count FROM job_counts WHERE n > 0 GROUP BY state, priority ORDER BY state, priority').all() as JobCount[];
  }

  /** Queued plus leased jobs, optionally of one priority: the pipeline depth backpressure watches. */
  depth(priority?: JobPriority): number {
    const sql = `SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'leased')${priority === undefined ? '' : ' AND priority = ?'}`;
    const row = (priority === undefined ? this.db.prepare(sql).get() : this.db.prepare(sql).get(priority)) as { n: number };
    return row.n;
  }

  /**
   * Jobs that should have moved and did not: leased past their lease by more than the grace
   * (nobody reclaims them: no worker is claiming), or retries due for longer than the grace.
   */
  stuck(now: number = this.clock.now(), limit = 100): Job[] {
    return (this.db.prepare(`SELECT ${withPayload} WHERE ${stuckWhere} ORDER BY jobs.id LIMIT @limit`).all({ overdueBefore: now - this.stuckGraceMs, limit }) as JobRow[]).map(jobOf);
  }

  /** How many jobs `stuck` would report, without a limit. */
  stuckCount(now: number = this.clock.now()): number {
    return countStuckJobs(this.db, now - this.stuckGraceMs);
  }

  private attachPayloads(rows: JobRow[]): void {
    if (rows.length === 0) return;
    const payloads = new Map((this.payloadsOf.all(JSON.stringify(rows.map((r) => r.id))) as { id: number; payload: string }[]).map((p) => [p.id, p.payload]));
    for (const row of rows) row.payload = payloads.get(row.id) ?? 'null';
  }
}

/** Every column of a job, its payload included (null once dropped). */
const withPayload = `jobs.*, coalesce((SELECT payload FROM job_payloads WHERE job_id = jobs.id), 'null') AS payload FROM jobs`;

const stuckWhere = `((state = 'leased' AND lease_until < @overdueBefore) OR (state = 'queued' AND last_error IS NOT NULL AND not_before < @overdueBefore))`;

/** Jobs stuck as of `overdueBefore` (now minus a grace): see `Journal.stuck`. */
export function countStuckJobs(db: Database, overdueBefore: number): number {
  return (db.prepare(`SELECT count(*) AS n FROM jobs WHERE ${stuckWhere}`).get({ overdueBefore }) as { n: number }).n;
}

/**
 * Queued jobs that are due and leased jobs whose lease has expired, in claim order. Two index
 * range scans, each stopping at `limit`, merged: an OR over both states would scan the table.
 */
function claimSql(kindFilter: string): string {
  return `UPDATE jobs SET state = 'leased', lease_owner = @owner, lease_until = @until, attempts = attempts + 1, updated_at = @now
       WHERE id IN (
         SELECT id FROM (
           SELECT * FROM (SELECT id, priority, not_before FROM jobs WHERE state = 'queued' ${kindFilter} AND not_before <= @now ORDER BY ${CLAIM_ORDER} LIMIT @limit)
           UNION ALL
           SELECT * FROM (SELECT id, priority, not_before FROM jobs WHERE state = 'leased' ${kindFilter} AND lease_until <= @now ORDER BY ${CLAIM_ORDER} LIMIT @limit)
         ) ORDER BY ${CLAIM_ORDER} LIMIT @limit
       )
       RETURNING *`;
}
