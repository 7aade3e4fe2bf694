import type { Clock, TimerHandle } from './clock.js';

/**
 * A clock that moves only when told to. Timers fire in due order during `advance`, so a test
 * states how much time passes and asserts what happened, with no sleeping.
 * @internal for tests and benchmarks
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; fn: () => void; seq: number }>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { due: this.current + Math.max(0, ms), fn, seq: id });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Delays of the timers now pending, in due order. */
  pendingDelays(): number[] {
    return [...this.timers.values()].sort((a, b) => a.due - b.due || a.seq - b.seq).map((t) => t.due - this.current);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = [...this.timers.entries()].filter(([, t]) => t.due <= target).sort((a, b) => a[1].due - b[1].due || a[1].seq - b[1].seq)[0];
      if (!next) break;
      const [id, timer] = next;
      this.timers.delete(id);
      this.current = timer.due;
      timer.fn();
    }
    this.current = target;
  }
}
