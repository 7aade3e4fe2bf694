import type { Clock } from '../runtime/clock.js';

export interface ElasticPoolOptions {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Jobs waiting for this pool (queued and due, or leased). */
  readonly depth: () => number;
  readonly backlogPerWorker: number;
  readonly shrinkAfterMs: number;
  readonly clock: Clock;
  /** The depth is read at most this often (each worker asks before each batch). */
  readonly checkEveryMs?: number;
}

/** One change of a pool's size. */
export interface PoolResize {
  readonly pool: string;
  readonly from: number;
  readonly to: number;
  readonly depth: number;
}

/**
 * How many of a pool's workers work: the need is one per `backlogPerWorker` jobs waiting, within
 * `min`–`max`. The pool grows at once when the backlog grows, and shrinks one worker at a time
 * once the need has stayed below the active size for `shrinkAfterMs` (so a backlog that comes
 * in waves does not make it flap). Workers `0…active-1` work; the others idle until needed, and
 * a worker let go finishes the batch it holds first.
 */
export class ElasticPool {
  private active: number;
  private lowSince: number | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private lastDepth = 0;
  private readonly listeners = new Set<(r: PoolResize) => void>();
  readonly resizes = { grew: 0, shrank: 0 };

  constructor(private readonly o: ElasticPoolOptions) {
    if (!(o.min >= 1 && o.max >= o.min)) throw new RangeError(`pool ${o.name}: need 1 <= min (${o.min}) <= max (${o.max})`);
    this.active = o.min;
  }

  get name(): string {
    return this.o.name;
  }

  get size(): number {
    return this.active;
  }

  get bounds(): { min: number; max: number } {
    return { min: this.o.min, max: this.o.max };
  }

  /** The last depth read. */
  get depth(): number {
    return this.lastDepth;
  }

  onResize(listener: (r: PoolResize) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether worker `index` (from 0) should take a batch now; resizes first when due. */
  admit(index: number): boolean {
    this.check();
    return index < this.active;
  }

  /** Reads the depth (at most every `checkEveryMs`) and grows or shrinks the pool. */
  check(): void {
    const now = this.o.clock.now();
    if (now - this.checkedAt < (this.o.checkEveryMs ?? 250)) return;
    this.checkedAt = now;
    const depth = (this.lastDepth = this.o.depth());
    const need = Math.min(this.o.max, Math.max(this.o.min, Math.ceil(depth / this.o.backlogPerWorker)));
    if (need > this.active) {
      this.lowSince = undefined;
      this.resize(need, depth);
    } else if (need < this.active) {
      this.lowSince ??= now;
      if (now - this.lowSince >= this.o.shrinkAfterMs) {
        this.lowSince = now;
        this.resize(this.active - 1, depth);
      }
    } else {
      this.lowSince = undefined;
    }
  }

  private resize(to: number, depth: number): void {
    const change: PoolResize = { pool: this.o.name, from: this.active, to, depth };
    this.resizes[to > this.active ? 'grew' : 'shrank']++;
    this.active = to;
    for (const l of this.listeners) {
      try {
        l(change);
      } catch {
        // A listener's failure must not change the pool.
      }
    }
  }
}
