/**
 * Time and randomness, injected wherever behaviour depends on them (backoff, heartbeats, leases,
 * polling), so tests drive time instead of sleeping.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

export type Random = () => number;

/** The real clock, backed by Date.now and the event loop's timers. */
export function systemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  let next = 1;
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const id = next++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, Math.max(0, ms));
      t.unref?.();
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t) clearTimeout(t);
      timers.delete(handle.id);
    },
  };
}

/**
 * A clock for work a worker thread does on the node's behalf: it reads the time each step was
 * given (`at`), as the node's clock told it, so rows are stamped as if the node wrote them. It
 * keeps no timers.
 */
export class StepClock implements Clock {
  private time = 0;

  constructor(private readonly what: string) {}

  at(time: number): void {
    this.time = time;
  }

  now(): number {
    return this.time;
  }

  setTimeout(): TimerHandle {
    throw new Error(`${this.what} keeps no timers`);
  }

  clearTimeout(): void {}
}
