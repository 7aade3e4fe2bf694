import type { Clock, TimerHandle } from '../runtime/clock.js';

/** One crossing of a watermark: the producer paused at the high one or resumed below the low one. */
export interface DepthCrossing {
  readonly type: 'paused' | 'resumed';
  readonly depth: number;
  readonly at: number;
}

export interface DepthWatcherOptions {
  readonly high: number;
  readonly low: number;
  /** Reads the depth being watched (queued + in flight, over whatever actors it covers). */
  readonly depth: () => number;
  readonly clock: Clock;
  /** How often the depth is read again while paused. */
  readonly pollMs?: number;
}

/**
 * Backpressure for any producer: it pauses when the watched depth reaches `high` and resumes only
 * when it falls below `low` (hysteresis), emitting exactly one event per crossing.
 */
export class DepthWatcher {
  private paused = false;
  private readonly listeners = new Set<(crossing: DepthCrossing) => void>();
  private waiters: (() => void)[] = [];
  private timer: TimerHandle | undefined;
  readonly crossings = { paused: 0, resumed: 0 };

  constructor(private readonly options: DepthWatcherOptions) {
    if (!(options.low < options.high)) throw new Error(`low watermark ${options.low} must be below high watermark ${options.high}`);
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Subscribes to crossings; returns the unsubscribe function. */
  onCrossing(listener: (crossing: DepthCrossing) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the depth and updates the state; true while producers may go on. */
  check(): boolean {
    const depth = this.options.depth();
    if (!this.paused && depth >= this.options.high) this.cross('paused', depth);
    else if (this.paused && depth < this.options.low) this.cross('resumed', depth);
    return !this.paused;
  }

  /** Resolves at once when there is capacity, else once the depth has fallen below `low`. */
  waitForCapacity(): Promise<void> {
    if (this.check()) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.schedulePoll();
    });
  }

  /** Stops polling; pending waiters are released so producers can observe shutdown. */
  close(): void {
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.release();
  }

  private schedulePoll(): void {
    if (this.timer) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.check()) this.release();
      else if (this.waiters.length > 0) this.schedulePoll();
    }, this.options.pollMs ?? 20);
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private cross(type: DepthCrossing['type'], depth: number): void {
    this.paused = type === 'paused';
    this.crossings[type]++;
    const crossing = { type, depth, at: this.options.clock.now() };
    for (const listener of this.listeners) listener(crossing);
  }
}
