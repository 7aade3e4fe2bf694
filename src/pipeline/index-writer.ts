import { PersistentWorker } from '../runtime/persistent-worker.js';
import type { WriteGate } from '../storage/sqlite/write-gate.js';
import type { IndexOutcome, IndexRequest } from './index-batch.js';

const ENTRY = new URL('./index-writer-worker.ts', import.meta.url);

/** @internal what the thread starts with */
export interface IndexWriterData {
  readonly file: string;
  readonly gate: SharedArrayBuffer;
}

/**
 * The indexer's SQLite writes in a thread of their own (`IndexBatches`), so the event loop that
 * answers searches never runs them. At a million papers a batch takes about a second to write;
 * on the event loop every search that arrived meanwhile waited for it.
 */
export class IndexWriter {
  private readonly thread: PersistentWorker<IndexRequest, IndexOutcome>;

  constructor(file: string, gate: WriteGate) {
    this.thread = new PersistentWorker(ENTRY, 'the index writer', {
      workerData: { file, gate: gate.buffer } satisfies IndexWriterData,
      // A thread stopped mid-write never left the gate; SQLite rolled its transaction back.
      exited: (threadId) => gate.releaseHeldBy(threadId),
    });
  }

  /** Claims and writes one batch of `ingest` jobs. @throws when the thread fails (the batch's leases run out and it is claimed again) */
  index(request: IndexRequest): Promise<IndexOutcome> {
    return this.thread.request(request);
  }

  /** Starts the thread ahead of the first batch (it takes a moment to load its modules). */
  start(): void {
    this.thread.start();
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
