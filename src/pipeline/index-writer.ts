import { WriterThread } from '../storage/sqlite/writer-thread.js';
import type { WriteGate } from '../storage/sqlite/write-gate.js';
import type { IndexOutcome, IndexRequest } from './index-batch.js';

const ENTRY = new URL('./index-writer-worker.ts', import.meta.url);

/**
 * The indexer's SQLite writes in a thread of their own (`IndexBatches`), so the event loop that
 * answers searches never runs them. At a million papers a batch takes about a second to write;
 * on the event loop every search that arrived meanwhile waited for it.
 */
export class IndexWriter extends WriterThread<IndexRequest, IndexOutcome> {
  constructor(file: string, gate: WriteGate) {
    super(ENTRY, 'the index writer', file, gate);
  }

  /** Claims and writes one batch of `ingest` jobs. @throws when the thread fails (the batch's leases run out and it is claimed again) */
  index(request: IndexRequest): Promise<IndexOutcome> {
    return this.request(request);
  }
}
