import type { Database, Statement } from 'better-sqlite3';

/**
 * The ETag of the answer last applied, per URL. It is set only after that answer's facts were
 * applied, so a crash in between costs one full answer, never a lost change.
 */
export interface EtagStore {
  get(url: string): string | undefined;
  set(url: string, etag: string): void;
}

/** ETags in memory: for tests. */
export class MemoryEtagStore implements EtagStore {
  readonly values = new Map<string, string>();

  get(url: string): string | undefined {
    return this.values.get(url);
  }

  set(url: string, etag: string): void {
    this.values.set(url, etag);
  }
}

/** ETags in SQLite's `sync_state`, under `etag:<url>`. A `set` is durable when it returns. */
export class SqliteEtagStore implements EtagStore {
  private readonly read: Statement<[string]>;
  private readonly write: Statement<[string, string]>;

  constructor(db: Database) {
    this.read = db.prepare('SELECT value FROM sync_state WHERE key = ?');
    this.write = db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(url: string): string | undefined {
    return (this.read.get(`etag:${url}`) as { value: string } | undefined)?.value;
  }

  set(url: string, etag: string): void {
    this.write.run(`etag:${url}`, etag);
  }
}
