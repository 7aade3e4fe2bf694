import type { Behavior, InspectionEvent, Registry } from '../../src/supervisors/index.js';

/** What the recording test actor understands. */
export type ProbeMessage =
  | { type: 'inc' }
  | { type: 'get' }
  | { type: 'boom' }
  | { type: 'hold'; until: Promise<void> }
  | { type: 'finish' };

export type ProbeReplies = { get: number };

/** Observations shared by the probes of one test: lifecycle order and concurrency. */
export class Lifecycle {
  readonly events: string[] = [];
  readonly running = new Map<string, number>();
  maxConcurrent = 0;

  enter(name: string): void {
    const now = (this.running.get(name) ?? 0) + 1;
    this.running.set(name, now);
    this.maxConcurrent = Math.max(this.maxConcurrent, now);
  }

  leave(name: string): void {
    this.running.set(name, (this.running.get(name) ?? 1) - 1);
  }
}

/**
 * A test actor that records `start:NAME` and `stop:NAME`, counts `inc`s, answers `get`, throws on
 * `boom`, waits on `hold`, and stops itself normally on `finish`.
 */
export function probe(name: string, lifecycle: Lifecycle): Behavior<ProbeMessage, { count: number }, ProbeReplies> {
  return {
    init() {
      lifecycle.events.push(`start:${name}`);
      return { count: 0 };
    },
    async receive(state, msg, ctx) {
      lifecycle.enter(name);
      try {
        switch (msg.type) {
          case 'inc':
            return { count: state.count + 1 };
          case 'get':
            ctx.reply(state.count);
            return state;
          case 'boom':
            throw new Error(`boom:${name}`);
          case 'hold':
            await msg.until;
            return state;
          case 'finish':
            ctx.stopSelf();
            return state;
        }
      } finally {
        lifecycle.leave(name);
      }
    },
    terminate() {
      lifecycle.events.push(`stop:${name}`);
    },
    summary: (state) => ({ count: state.count }),
  };
}

/** Resolves with the first inspection event that matches; no sleeping. */
export function nextEvent(registry: Registry, match: (e: InspectionEvent) => boolean): Promise<InspectionEvent> {
  return new Promise((resolve) => {
    const off = registry.inspect((event) => {
      if (match(event)) {
        off();
        resolve(event);
      }
    });
  });
}

/** A promise with its resolve function outside, for holding a handler in flight. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Lets queued immediates and microtasks run (nact handles each message in a setImmediate). */
export function settle(rounds = 5): Promise<void> {
  return new Promise((resolve) => {
    const step = (n: number) => (n === 0 ? resolve() : setImmediate(() => step(n - 1)));
    step(rounds);
  });
}
