import { threadId } from 'node:worker_threads';

// Node 20 has Atomics.waitAsync; the ES2023 lib the project compiles against does not declare it.
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

const LOCK = 0;
const WAITING = 1;
const SEARCHING = 2;
// The lock cell holds FREE or the holder's thread id + 1: a thread that dies holding the gate can
// be told from another, and its turn given back (`releaseHeldBy`).
const FREE = 0;
const MINE = threadId + 1;

/** How long a worker thread lets waiting event-loop writers and searches go first before it takes its turn anyway. */
const POLITE_MS = 250;

/**
 * Turns at the SQLite write lock between the event loop and a writer thread of one process.
 * SQLite's own busy handler would do, but it blocks: an event-loop write that meets the writer
 * thread's transaction would hold every request until the busy handler's next retry (it sleeps in
 * steps of up to 100 ms). Through the gate the event loop waits for its turn without blocking,
 * and the writer thread, which may block, lets the event loop's writers go first.
 * Writes that do not take the gate stay correct: they meet the lock and SQLite's busy handler.
 *
 * Searches in flight are counted here too, and batch writers hold back while there are any: a
 * search that runs beside an import's transactions shares the two cores, the disk and a page cache
 * that every commit empties, and each of its phases took about twice as long as at rest. Holding back is bounded, so an
 * import goes on under a steady stream of searches, only slower.
 */
export class WriteGate {
  private readonly cells: Int32Array;

  /** @param politeMs how long `runBlocking` lets waiting event-loop writers go first (tests lengthen it) */
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(12), private readonly politeMs = POLITE_MS) {
    this.cells = new Int32Array(buffer);
  }

  /** On the event loop: waits for the gate without blocking, then runs `write` holding it. */
  async run<T>(write: () => T): Promise<T> {
    if (!this.tryEnter()) {
      Atomics.add(this.cells, WAITING, 1);
      try {
        for (let holder = Atomics.load(this.cells, LOCK); !this.tryEnter(); holder = Atomics.load(this.cells, LOCK)) {
          if (holder === FREE) continue;
          const wait = waitAsync(this.cells, LOCK, holder, 1000);
          if (wait.async) await wait.value;
        }
      } finally {
        Atomics.sub(this.cells, WAITING, 1);
        Atomics.notify(this.cells, WAITING);
      }
    }
    try {
      return write();
    } finally {
      this.leave();
    }
  }

  /**
   * On a worker thread: blocks until the gate is free and runs `write` holding it. Event-loop
   * writers that are waiting, then searches in flight, go first, for at most `politeMs` in all.
   */
  runBlocking<T>(write: () => T): T {
    const politeUntil = Date.now() + this.politeMs;
    for (let waiting = Atomics.load(this.cells, WAITING); waiting > 0 && Date.now() < politeUntil; waiting = Atomics.load(this.cells, WAITING)) {
      Atomics.wait(this.cells, WAITING, waiting, 5);
    }
    for (let searching = Atomics.load(this.cells, SEARCHING); searching > 0 && Date.now() < politeUntil; searching = Atomics.load(this.cells, SEARCHING)) {
      Atomics.wait(this.cells, SEARCHING, searching, Math.max(1, politeUntil - Date.now()));
    }
    for (let holder = Atomics.load(this.cells, LOCK); !this.tryEnter(); holder = Atomics.load(this.cells, LOCK)) {
      if (holder !== FREE) Atomics.wait(this.cells, LOCK, holder, 1000);
    }
    try {
      return write();
    } finally {
      this.leave();
    }
  }

  /** Counts `search` as in flight until it settles: batch writers hold back meanwhile (see the class). */
  async searching<T>(search: () => Promise<T>): Promise<T> {
    Atomics.add(this.cells, SEARCHING, 1);
    try {
      return await search();
    } finally {
      Atomics.sub(this.cells, SEARCHING, 1);
      Atomics.notify(this.cells, SEARCHING);
    }
  }

  /** Searches in flight. */
  searches(): number {
    return Atomics.load(this.cells, SEARCHING);
  }

  /**
   * On the event loop, for batch work that does not write through the gate (LanceDB's vector
   * writes): resolves once no search is in flight, or after `maxMs`.
   */
  async searchesSettled(maxMs = this.politeMs): Promise<void> {
    const until = Date.now() + maxMs;
    for (let searching = this.searches(); searching > 0 && Date.now() < until; searching = this.searches()) {
      const wait = waitAsync(this.cells, SEARCHING, searching, Math.max(1, until - Date.now()));
      if (wait.async) await wait.value;
    }
  }

  /** Event-loop writers waiting for their turn. */
  waiting(): number {
    return Atomics.load(this.cells, WAITING);
  }

  /** Whether some thread holds the gate now. */
  held(): boolean {
    return Atomics.load(this.cells, LOCK) !== FREE;
  }

  /**
   * Frees the gate if the thread `id` (a `worker.threadId`) holds it: for the owner of a thread
   * that was terminated or died mid-write, which never left. Its connection's transaction was
   * rolled back with the thread.
   */
  releaseHeldBy(id: number): void {
    if (Atomics.compareExchange(this.cells, LOCK, id + 1, FREE) === id + 1) Atomics.notify(this.cells, LOCK);
  }

  private tryEnter(): boolean {
    return Atomics.compareExchange(this.cells, LOCK, FREE, MINE) === FREE;
  }

  private leave(): void {
    Atomics.compareExchange(this.cells, LOCK, MINE, FREE);
    Atomics.notify(this.cells, LOCK);
  }
}

/** Runs `write` in the event loop's turn at `gate` (see `WriteGate.run`), or at once without one. */
export function inTurn<T>(gate: WriteGate | undefined, write: () => T): Promise<T> {
  return gate ? gate.run(write) : Promise.resolve(write());
}
