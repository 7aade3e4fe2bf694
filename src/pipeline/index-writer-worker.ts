// The index writer's thread (started through typescript-worker.mjs by IndexWriter): the indexer's
// transactions on a connection of its own, taking turns at the write lock through the gate.
import { answerRequests, startedWith } from '../runtime/persistent-worker.js';
import { openDatabase } from '../storage/sqlite/database.js';
import { WriteGate } from '../storage/sqlite/write-gate.js';
import { IndexBatches, type IndexOutcome, type IndexRequest } from './index-batch.js';
import type { IndexWriterData } from './index-writer.js';

/** How long a write keeps retrying a lock held by another connection before it fails its batch. */
const BUSY_GIVE_UP_MS = 30_000;

const { file, gate } = startedWith<IndexWriterData>();
const turns = new WriteGate(gate);
const db = openDatabase(file);
// SQLite's busy handler sleeps in growing steps (up to 100 ms): the event loop's writes that do
// not take the gate come back to back and would keep this thread waiting. It retries every
// millisecond instead, so it takes the lock as soon as it is free.
db.pragma('busy_timeout = 0');
const pause = new Int32Array(new SharedArrayBuffer(4));

function retryingWhileBusy<T>(write: () => T): T {
  const giveUpAt = Date.now() + BUSY_GIVE_UP_MS;
  for (;;) {
    try {
      return write();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if ((code !== 'SQLITE_BUSY' && code !== 'SQLITE_BUSY_SNAPSHOT') || Date.now() > giveUpAt) throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

const batches = new IndexBatches(db, (write) => turns.runBlocking(() => retryingWhileBusy(write)));

answerRequests<IndexRequest, IndexOutcome>((request) => batches.run(request));
