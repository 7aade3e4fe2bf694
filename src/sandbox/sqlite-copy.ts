import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// The copy runs in a worker thread: VACUUM INTO of a large store takes seconds, and better-sqlite3
// is synchronous, so on the node's own thread it would stall the API and every actor meanwhile.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const { source, target, shared } = workerData;
const pattern = new RegExp(shared);
try {
  const live = new Database(source, { readonly: true, fileMustExist: true });
  live.pragma('busy_timeout = 5000');
  live.prepare('VACUUM INTO ?').run(target);
  live.close();
  const db = new Database(target);
  db.pragma('journal_mode = DELETE');
  db.pragma('secure_delete = ON');
  for (const { type, name } of db.prepare("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view')").all()) {
    if (pattern.test(name)) continue;
    // FTS5 shadow tables go with their virtual table.
    if (!db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(name)) continue;
    db.exec('DROP ' + (type === 'view' ? 'VIEW' : 'TABLE') + ' IF EXISTS "' + name.replace(/"/g, '""') + '"');
  }
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
  db.close();
  parentPort.postMessage({ tables });
} catch (error) {
  parentPort.postMessage({ error: String(error && error.stack || error) });
}
`;

/**
 * Copies the SQLite store at `source` to `target` as one point in time (`VACUUM INTO` from a read
 * transaction: under WAL the writer is never blocked), then drops every table or view whose name
 * does not match `shared`, with `secure_delete` so their pages are zeroed rather than left in the
 * free list; the copy is in rollback-journal mode, so readers can open it `immutable=1`. Returns
 * the tables kept.
 */
export function copySharedSqlite(source: string, target: string, shared: RegExp): Promise<string[]> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { driver, source, target, shared: shared.source } });
    worker.once('message', (message: { tables?: string[]; error?: string }) => {
      if (message.error) reject(new Error(`copying ${source} for the sandbox failed: ${message.error}`));
      else resolve(message.tables ?? []);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the SQLite copy worker exited with code ${code}`));
    });
  });
}
