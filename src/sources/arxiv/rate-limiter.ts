import type { Clock, TimerHandle } from '../../runtime/clock.js';

/** Who is waiting: hot (a new announcement, a user) before normal before offline (backfill, reprocessing). */
export type ArxivPriority = 'hot' | 'normal' | 'offline';

/** The priorities, most urgent first: the order in which waiters are served. */
export const arxivPriorities: readonly ArxivPriority[] = ['hot', 'normal', 'offline'];

export interface ArxivRateLimiterOptions {
  readonly clock: Clock;
  /** The least time between two request starts; arXiv asks for 3 s. */
  readonly intervalMs?: number;
}

/** Counters for metrics: how much was sent and how long senders waited for their turn. */
export interface ArxivRateLimiterStats {
  /** Requests that were granted the slot. */
  readonly requests: number;
  readonly requestsByPriority: Readonly<Record<ArxivPriority, number>>;
  /** The sum over granted requests of the time from asking to being granted. */
  readonly totalWaitMs: number;
  /** Waits given up through their AbortSignal. */
  readonly aborted: number;
  /** Calls to `penalize` that pushed the next start back. */
  readonly penalties: number;
  readonly queued: number;
  readonly active: boolean;
  /** No request starts before this time (epoch ms); 0 when arXiv has not asked for a pause. */
  readonly penalizedUntil: number;
}

interface Waiter {
  readonly enqueuedAt: number;
  readonly grant: () => void;
}

/**
 * The one gate for everything paperd sends to arXiv (API, listings, OAI-PMH, PDFs), as arXiv asks:
 * at most one request start every `intervalMs`, and one connection at a time. A task holds the
 * slot from its start until it settles, so it must read (or cancel) its body inside the task.
 * Waiters are served by priority, first come first served within one.
 */
export class ArxivRateLimiter {
  readonly intervalMs: number;
  private readonly clock: Clock;
  private readonly queues: Record<ArxivPriority, Waiter[]> = { hot: [], normal: [], offline: [] };
  private active = false;
  private lastStartAt = Number.NEGATIVE_INFINITY;
  private penalizedUntil = 0;
  private timer: { handle: TimerHandle; due: number } | undefined;
  private readonly counters = {
    requests: 0,
    requestsByPriority: { hot: 0, normal: 0, offline: 0 } as Record<ArxivPriority, number>,
    totalWaitMs: 0,
    aborted: 0,
    penalties: 0,
  };

  constructor(options: ArxivRateLimiterOptions) {
    this.clock = options.clock;
    this.intervalMs = options.intervalMs ?? 3000;
    if (!(this.intervalMs >= 0)) throw new RangeError(`intervalMs must be >= 0, got ${this.intervalMs}`);
  }

  /**
   * Waits for the slot, runs `task` holding it, and releases it when the task settles. Rejects
   * with the signal's reason if `signal` aborts while still waiting (the task never runs then).
   */
  async run<T>(priority: ArxivPriority, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(priority, signal);
    try {
      return await task();
    } finally {
      this.active = false;
      this.pump();
    }
  }

  /**
   * Pushes every next request start back to at least `untilMs` (epoch ms on the limiter's clock),
   * for a 429/503 whose Retry-After applies to all of paperd, not only the request that got it.
   */
  penalize(untilMs: number): void {
    if (!(untilMs > this.penalizedUntil)) return;
    this.penalizedUntil = untilMs;
    this.counters.penalties++;
    this.pump();
  }

  /** The earliest time (epoch ms) a new request could start if the slot were free. */
  nextStartAt(): number {
    return Math.max(this.lastStartAt + this.intervalMs, this.penalizedUntil);
  }

  stats(): ArxivRateLimiterStats {
    return {
      ...this.counters,
      requestsByPriority: { ...this.counters.requestsByPriority },
      queued: arxivPriorities.reduce((n, p) => n + this.queues[p].length, 0),
      active: this.active,
      penalizedUntil: this.penalizedUntil,
    };
  }

  private acquire(priority: ArxivPriority, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const queue = this.queues[priority];
      const onAbort = (): void => {
        const index = queue.indexOf(waiter);
        if (index < 0) return;
        queue.splice(index, 1);
        this.counters.aborted++;
        reject(signal?.reason);
        // The aborted waiter may have been the only reason for the pending timer.
        this.pump();
      };
      const waiter: Waiter = {
        enqueuedAt: this.clock.now(),
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.counters.requests++;
          this.counters.requestsByPriority[priority]++;
          this.counters.totalWaitMs += this.clock.now() - waiter.enqueuedAt;
          resolve();
        },
      };
      queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pump();
    });
  }

  /** Grants the slot to the next waiter if the slot is free and the interval has passed, else arms the timer. */
  private pump(): void {
    const next = arxivPriorities.find((p) => this.queues[p].length > 0);
    if (this.active || next === undefined) return this.disarm();
    const now = this.clock.now();
    const startAt = this.nextStartAt();
    if (now < startAt) return this.arm(startAt);
    this.disarm();
    const waiter = this.queues[next].shift()!;
    this.active = true;
    this.lastStartAt = now;
    waiter.grant();
  }

  private arm(due: number): void {
    if (this.timer?.due === due) return;
    this.disarm();
    const handle = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, due - this.clock.now());
    this.timer = { handle, due };
  }

  private disarm(): void {
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
  }
}
