import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreFromNewerVersionError } from '../../errors.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

export type { Database } from 'better-sqlite3';

/** The SQLite file of a data dir. */
export function sqlitePath(dataDir: string): string {
  return join(dataDir, 'paperd.sqlite');
}

/**
 * Opens (creating if needed) the store's SQLite file in WAL mode and brings its schema up to date.
 * WAL lets readers (API, CLI, sandbox snapshots) run beside the one writer without blocking it.
 */
export function openDatabase(file: string, options: { readonly?: boolean; migrations?: readonly Migration[] } = {}): Database.Database {
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // 64 MiB of page cache for the writer: the FTS, author and category B-trees of a bulk import
    // otherwise evict one another on every batch.
    db.pragma('cache_size = -65536');
    try {
      migrate(db, options.migrations ?? allMigrations);
    } catch (error) {
      db.close();
      throw error;
    }
  }
  return db;
}

/**
 * Applies the migrations not applied yet, each in its own transaction; returns their versions.
 * A store that already holds a version newer than any of `migrations` was written by a newer
 * paperd: it is refused before anything runs (migrations only go forward).
 */
export function migrate(db: Database.Database, migrations: readonly Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const codeVersion = Math.max(0, ...migrations.map((m) => m.version));
  const storeVersion = Math.max(0, ...applied);
  if (storeVersion > codeVersion) throw new StoreFromNewerVersionError(db.name, storeVersion, codeVersion);
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    })();
    done.push(m.version);
  }
  return done;
}
