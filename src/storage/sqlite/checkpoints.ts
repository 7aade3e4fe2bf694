import type { Database, Statement } from 'better-sqlite3';
import type { CheckpointStore } from '../../sources/arxiv/harvest-checkpoint.js';

/**
 * Checkpoints of sources (the poller's last announcement, a harvest's resumption token) in
 * SQLite's `sync_state`, under a `checkpoint:` prefix. A `set` is durable when it returns.
 */
export class SqliteCheckpointStore implements CheckpointStore {
  private readonly read: Statement<[string]>;
  private readonly write: Statement<[string, string]>;

  constructor(db: Database) {
    this.read = db.prepare('SELECT value FROM sync_state WHERE key = ?');
    this.write = db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(key: string): string | undefined {
    return (this.read.get(`checkpoint:${key}`) as { value: string } | undefined)?.value;
  }

  set(key: string, value: string): void {
    this.write.run(`checkpoint:${key}`, value);
  }
}
