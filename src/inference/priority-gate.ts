import { Fifo } from '../runtime/fifo.js';

/** Online requests have a person waiting; offline ones (enrichment, backfills) can wait for them. */
export type Priority = 'online' | 'offline';

/** A slot at an endpoint; release it once, when the attempt ends (later calls do nothing). */
export interface Permit {
  release(): void;
}

/** The endpoint's waiting line is full: better to go elsewhere than to wait behind it. */
export class GateFullError extends Error {
  constructor(readonly maxQueued: number) {
    super(`${maxQueued} requests already wait for this endpoint`);
  }
}

interface Waiter {
  live: boolean;
  resolve(permit: Permit): void;
  reject(error: unknown): void;
}

/**
 * A concurrency cap with a two-lane waiting line: a freed slot goes to the oldest online waiter,
 * and to an offline one only when no online request waits.
 */
export class PriorityGate {
  private active = 0;
  private readonly lanes: Record<Priority, Fifo<Waiter>> = { online: new Fifo(), offline: new Fifo() };
  private readonly waiting: Record<Priority, number> = { online: 0, offline: 0 };

  constructor(readonly capacity: number, readonly maxQueued: number) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): { online: number; offline: number } {
    return { ...this.waiting };
  }

  /** A slot is free and nobody waits for it. */
  get hasRoom(): boolean {
    return this.active < this.capacity && this.waiting.online + this.waiting.offline === 0;
  }

  tryAcquire(): Permit | undefined {
    if (!this.hasRoom) return undefined;
    this.active++;
    return this.permit();
  }

  /** A slot now, or in turn; rejects with the signal's reason if it aborts first. */
  acquire(priority: Priority, signal: AbortSignal): Promise<Permit> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.waiting.online + this.waiting.offline >= this.maxQueued) return Promise.reject(new GateFullError(this.maxQueued));
    return new Promise<Permit>((resolve, reject) => {
      const onAbort = () => {
        if (!waiter.live) return;
        waiter.live = false;
        this.waiting[priority]--;
        reject(signal.reason);
      };
      const waiter: Waiter = {
        live: true,
        resolve: (p) => (signal.removeEventListener('abort', onAbort), resolve(p)),
        reject: (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.lanes[priority].push(waiter);
      this.waiting[priority]++;
    });
  }

  /** Turns every waiter away with `error` (the endpoint went down: they should go elsewhere now). */
  rejectQueued(error: Error): void {
    for (const lane of ['online', 'offline'] as const) {
      for (const w of this.lanes[lane].drain()) {
        if (!w.live) continue;
        w.live = false;
        this.waiting[lane]--;
        w.reject(error);
      }
    }
  }

  private permit(): Permit {
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.active--;
        this.handOn();
      },
    };
  }

  private handOn(): void {
    while (this.active < this.capacity) {
      const lane: Priority | undefined = this.waiting.online > 0 ? 'online' : this.waiting.offline > 0 ? 'offline' : undefined;
      if (!lane) return;
      const w = this.lanes[lane].shift();
      if (!w) return;
      if (!w.live) continue;
      w.live = false;
      this.waiting[lane]--;
      this.active++;
      w.resolve(this.permit());
    }
  }
}
