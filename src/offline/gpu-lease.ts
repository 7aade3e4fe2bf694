import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';

/** A GPU node's lease as `GET /v1/jobs` shows it. */
export interface GpuLeaseView {
  readonly node: string;
  readonly holder: string | null;
  readonly until: number | null;
  /** Why batch work may not lease it now: its GPU is hot or throttling. */
  readonly hot?: string;
}

/** Whether online inference is waiting at a GPU node: its endpoint has online requests queued. */
export type OnlineDemand = (node: string) => boolean;

/**
 * Why a GPU node is too hot for batch work now (hot, or throttling to protect itself), or
 * undefined when it may run. The hysteresis is the caller's (src/ops/gpu/guard.ts).
 */
export type GpuHeat = (node: string) => string | undefined;

/** A lease held by batch work; its signal aborts when online inference preempts it. */
export interface HeldLease {
  readonly node: string;
  readonly holder: string;
  readonly signal: AbortSignal;
  /** Extends the lease by `ms`; false when it was lost (preempted or expired). */
  renew(ms: number): boolean;
  release(): void;
}

/**
 * One lease per GPU node (`gpu_leases`: who holds it, until when), for heavy batch work (VLM OCR,
 * re-enrichment, re-embedding). It is granted only while online inference does not need that
 * node, and taken back (preemption: the holder's signal aborts) as soon as online requests queue
 * there; `check` does that, and the scheduler calls it every tick. A lease past its time is free.
 * The node's heat counts the same way: no lease while its GPU is hot, and a held one is taken back
 * at the next check, so the batch work stops at its next unit and resumes once the GPU has cooled.
 */
export class GpuLeases {
  private readonly held = new Map<string, { holder: string; controller: AbortController }>();
  private readonly ensure: Statement<[string]>;
  private readonly take: Statement<[{ node: string; holder: string; until: number; now: number }]>;
  private readonly extend: Statement<[{ node: string; holder: string; until: number; now: number }]>;
  private readonly free: Statement<[string, string]>;
  private readonly all: Statement<[]>;
  /** Nodes held back for heat, with the reason last logged (so each crossing is logged once). */
  private readonly hot = new Map<string, string>();
  /** Leases refused or taken back because the node was hot, by node. */
  readonly heldBackForHeat = new Map<string, number>();

  constructor(
    db: Database,
    readonly nodes: readonly string[],
    private readonly onlineDemand: OnlineDemand,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly heat: GpuHeat = () => undefined,
  ) {
    this.ensure = db.prepare('INSERT INTO gpu_leases (node) VALUES (?) ON CONFLICT (node) DO NOTHING');
    this.take = db.prepare(
      `UPDATE gpu_leases SET holder = @holder, until = @until
       WHERE node = @node AND (holder IS NULL OR until IS NULL OR until <= @now OR holder = @holder)`,
    );
    this.extend = db.prepare('UPDATE gpu_leases SET until = @until WHERE node = @node AND holder = @holder AND until > @now');
    this.free = db.prepare('UPDATE gpu_leases SET holder = NULL, until = NULL WHERE node = ? AND holder = ?');
    this.all = db.prepare('SELECT node, holder, until FROM gpu_leases ORDER BY node');
    for (const node of nodes) this.ensure.run(node);
  }

  /**
   * Takes `node`'s lease for `ms` for `holder`, unless online inference needs the node now or
   * someone else holds it. Undefined when not granted.
   */
  acquire(node: string, holder: string, ms: number): HeldLease | undefined {
    this.ensure.run(node);
    if (this.onlineDemand(node)) return undefined;
    if (this.tooHot(node) !== undefined) {
      this.heldBackForHeat.set(node, (this.heldBackForHeat.get(node) ?? 0) + 1);
      return undefined;
    }
    const now = this.now();
    if (this.take.run({ node, holder, until: now + ms, now }).changes === 0) return undefined;
    this.held.get(node)?.controller.abort(new Error(`GPU lease on ${node} taken over`));
    const controller = new AbortController();
    this.held.set(node, { holder, controller });
    return {
      node,
      holder,
      signal: controller.signal,
      renew: (more) => !controller.signal.aborted && this.extend.run({ node, holder, until: this.now() + more, now: this.now() }).changes > 0,
      release: () => this.release(node, holder),
    };
  }

  /**
   * Takes back every lease whose node has online requests queued or whose GPU is hot; returns the
   * nodes preempted.
   */
  check(): string[] {
    const preempted: string[] = [];
    for (const node of this.nodes) this.tooHot(node);
    for (const [node, lease] of [...this.held]) {
      const hot = this.hot.get(node);
      if (hot !== undefined) {
        this.log.info({ node, holder: lease.holder, reason: hot }, 'GPU hot: lease taken back from batch work until it cools');
        this.heldBackForHeat.set(node, (this.heldBackForHeat.get(node) ?? 0) + 1);
        this.release(node, lease.holder, new Error(`GPU lease on ${node} taken back: ${hot}`));
        preempted.push(node);
        continue;
      }
      if (!this.onlineDemand(node)) continue;
      this.log.info({ node, holder: lease.holder }, 'online inference queues: GPU lease taken back from batch work');
      this.release(node, lease.holder, new Error(`GPU lease on ${node} preempted: online requests queue`));
      preempted.push(node);
    }
    return preempted;
  }

  /** Why `node` is held back for heat now (undefined: it is not), as last checked. */
  heldBack(node: string): string | undefined {
    return this.hot.get(node);
  }

  list(): GpuLeaseView[] {
    const now = this.now();
    return (this.all.all() as GpuLeaseView[]).map((row) => {
      const view = row.until !== null && row.until <= now ? { node: row.node, holder: null, until: null } : row;
      const hot = this.hot.get(row.node);
      return hot === undefined ? view : { ...view, hot };
    });
  }

  /** Asks the heat signal about `node` and logs when its verdict changes. */
  private tooHot(node: string): string | undefined {
    let reason: string | undefined;
    try {
      reason = this.heat(node);
    } catch (error) {
      // A heat signal that fails says nothing new: the last verdict stands.
      this.log.warn({ err: error, node }, 'GPU heat signal failed');
      return this.hot.get(node);
    }
    const was = this.hot.get(node);
    if (reason === undefined) {
      if (was !== undefined) {
        this.hot.delete(node);
        this.log.info({ node }, 'GPU cooled: batch work may lease it again');
      }
    } else if (was === undefined) {
      this.hot.set(node, reason);
      this.log.warn({ node, reason }, 'GPU hot: no lease for batch work until it cools');
    } else this.hot.set(node, reason);
    return reason;
  }

  private release(node: string, holder: string, reason?: Error): void {
    this.free.run(node, holder);
    const lease = this.held.get(node);
    if (lease?.holder === holder) {
      this.held.delete(node);
      lease.controller.abort(reason ?? new Error(`GPU lease on ${node} released`));
    }
  }
}

/** Online demand from the LLM router's snapshot: the endpoint named like the node has online requests queued. */
export function routerDemand(snapshot: () => { endpoints: readonly { name: string; queued: { online: number } }[] }): OnlineDemand {
  return (node) => snapshot().endpoints.some((e) => e.name === node && e.queued.online > 0);
}

/**
 * Runs `work` holding `node`'s lease: undefined at once when the lease is not granted (online
 * inference needs the node, or other batch work holds it). `work`'s signal aborts when the step
 * is taken back or the lease preempted; the lease is released however `work` ends.
 */
export async function withGpuLease<T>(
  leases: GpuLeases,
  node: string,
  holder: string,
  stepSignal: AbortSignal,
  ms: number,
  work: (signal: AbortSignal, lease: HeldLease) => Promise<T>,
): Promise<T | undefined> {
  const lease = leases.acquire(node, holder, ms);
  if (!lease) return undefined;
  try {
    return await work(AbortSignal.any([stepSignal, lease.signal]), lease);
  } finally {
    lease.release();
  }
}
