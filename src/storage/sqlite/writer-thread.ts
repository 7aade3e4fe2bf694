import { PersistentWorker } from '../../runtime/persistent-worker.js';
import type { WriteGate } from './write-gate.js';

/** @internal what a writer thread starts with (see `openWorkerConnection`) */
export interface WriterThreadData {
  readonly file: string;
  readonly gate: SharedArrayBuffer;
}

/**
 * A worker thread that writes to the node's SQLite file on a connection of its own, taking turns
 * with the event loop through the write gate, asked request by request (the thread's module
 * answers with `answerRequests`).
 */
export class WriterThread<Request, Outcome> {
  private readonly thread: PersistentWorker<Request, Outcome>;

  constructor(entry: URL, what: string, file: string, gate: WriteGate) {
    this.thread = new PersistentWorker(entry, what, {
      workerData: { file, gate: gate.buffer } satisfies WriterThreadData,
      // A thread stopped mid-write never left the gate; SQLite rolled its transaction back.
      exited: (threadId) => gate.releaseHeldBy(threadId),
    });
  }

  /** @throws when the thread fails: the jobs it claimed stay leased, and are claimed again when their leases run out */
  request(request: Request): Promise<Outcome> {
    return this.thread.request(request);
  }

  /** Starts the thread ahead of the first request (it takes a moment to load its modules). */
  start(): void {
    this.thread.start();
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
