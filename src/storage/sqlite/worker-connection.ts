import type { Database } from 'better-sqlite3';
import { openDatabase } from './database.js';
import { WriteGate } from './write-gate.js';

/** How long a write keeps retrying a lock held by another connection before it fails. */
const BUSY_GIVE_UP_MS = 30_000;

/** Runs a write while holding the process's write gate (see `WriteGate`). */
export type HoldingGate = <T>(write: () => T) => T;

/**
 * A worker thread's own connection to the node's SQLite file, and the way its writes take turns
 * with the event loop's: through the shared write gate, retrying while another connection holds
 * the lock.
 */
export function openWorkerConnection(file: string, gate: SharedArrayBuffer): { readonly db: Database; readonly holding: HoldingGate } {
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
  return { db, holding: (write) => turns.runBlocking(() => retryingWhileBusy(write)) };
}
