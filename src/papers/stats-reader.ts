import type { Database } from 'better-sqlite3';
import { PersistentWorker } from '../runtime/persistent-worker.js';
import { storeCounts, type StoreCounts } from './stats.js';

const ENTRY = new URL('./stats-worker.ts', import.meta.url);

/** How long one count answers every `GET /v1/stats` that asks. */
const FRESH_MS = 2_000;

/**
 * The store's counts for `GET /v1/stats`, read in a thread of their own. At a million papers they
 * scan indexes for about a second; on the event loop every search waited behind a dashboard that
 * polls. Requests within `FRESH_MS` of a count share it. A store without a file (in memory) is
 * counted in place.
 */
export class StatsReader {
  private readonly thread: PersistentWorker<readonly string[], StoreCounts> | undefined;
  private last: { at: number; counts: Promise<StoreCounts> } | undefined;

  constructor(private readonly db: Database, private readonly categories: readonly string[]) {
    this.thread = db.memory ? undefined : new PersistentWorker(ENTRY, 'the stats reader', { workerData: { file: db.name } });
  }

  counts(): Promise<StoreCounts> {
    const now = Date.now();
    if (this.last && now - this.last.at < FRESH_MS) return this.last.counts;
    const counts = this.thread ? this.thread.request(this.categories) : Promise.resolve(storeCounts(this.db, this.categories));
    // A failed count is not kept: the next request tries again.
    counts.catch(() => (this.last = undefined));
    this.last = { at: now, counts };
    return counts;
  }

  close(): Promise<void> {
    return this.thread?.close() ?? Promise.resolve();
  }
}
