import type { Database, Statement } from 'better-sqlite3';

/** `offline_classes` name under which pausing all offline work is kept. */
export const ALL_CLASSES = '*';

/** One class's durable row. */
export interface ClassRow {
  readonly paused: boolean;
  readonly cursor: unknown;
  readonly done: number;
  readonly failed: number;
}

/**
 * The scheduler's durable state in SQLite (`offline_classes`): pause flags (per class and for
 * all), each class's resumable cursor and its totals. Every write is durable when it returns, so
 * a restart resumes paused work paused, where it stopped.
 */
export class OfflineStore {
  private readonly ensure: Statement<[string, number]>;
  private readonly read: Statement<[string]>;
  private readonly writePaused: Statement<[number, number, string]>;
  private readonly writeCursor: Statement<[string | null, number, string]>;
  private readonly addCounts: Statement<[number, number, number, string]>;

  constructor(private readonly db: Database, private readonly now: () => number = Date.now) {
    this.ensure = db.prepare('INSERT INTO offline_classes (name, updated_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING');
    this.read = db.prepare('SELECT paused, cursor, done, failed FROM offline_classes WHERE name = ?');
    this.writePaused = db.prepare('UPDATE offline_classes SET paused = ?, updated_at = ? WHERE name = ?');
    this.writeCursor = db.prepare('UPDATE offline_classes SET cursor = ?, updated_at = ? WHERE name = ?');
    this.addCounts = db.prepare('UPDATE offline_classes SET done = done + ?, failed = failed + ?, updated_at = ? WHERE name = ?');
  }

  get(name: string): ClassRow {
    // Read first: the snapshot asks every tick, and a no-op insert would still take the write lock.
    let row = this.read.get(name) as { paused: number; cursor: string | null; done: number; failed: number } | undefined;
    if (!row) {
      this.ensure.run(name, this.now());
      row = this.read.get(name) as { paused: number; cursor: string | null; done: number; failed: number };
    }
    return { paused: row.paused === 1, cursor: row.cursor === null ? undefined : (JSON.parse(row.cursor) as unknown), done: row.done, failed: row.failed };
  }

  setPaused(name: string, paused: boolean): void {
    this.ensure.run(name, this.now());
    this.writePaused.run(paused ? 1 : 0, this.now(), name);
  }

  /** Every class paused at once, or resumed at once (the '*' flag and each class's), in one transaction. */
  setAllPaused(names: readonly string[], paused: boolean): void {
    this.db.transaction(() => {
      for (const name of [ALL_CLASSES, ...names]) this.setPaused(name, paused);
    })();
  }

  setCursor(name: string, cursor: unknown): void {
    this.ensure.run(name, this.now());
    this.writeCursor.run(cursor === undefined ? null : JSON.stringify(cursor), this.now(), name);
  }

  count(name: string, done: number, failed: number): void {
    if (done === 0 && failed === 0) return;
    this.addCounts.run(done, failed, this.now(), name);
  }
}
