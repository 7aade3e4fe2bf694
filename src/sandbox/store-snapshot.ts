import Database from 'better-sqlite3';
import * as lancedb from '@lancedb/lancedb';
import type { RecordBatch } from 'apache-arrow';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { copySharedSqlite } from './sqlite-copy.js';

/** What a run sees of the stores at /data: one directory, made once and shared read-only. */
export interface Snapshot {
  readonly key: string;
  readonly dir: string;
  readonly takenAt: string;
  /** Clock time it was taken at, for its age. */
  readonly takenAtMs: number;
}

/** Where the live stores are, and what a snapshot holds of them. */
export interface SnapshotSource {
  readonly sqliteFile: string;
  readonly lancedbDir: string;
  /** The LanceDB table of the papers' vectors. */
  readonly vectorTable: string;
  /** Export the vectors (they can be large: count × dimensions × 4 bytes). */
  readonly vectors: boolean;
  /** A snapshot this young is used even when the stores changed since it was taken. */
  readonly maxAgeMs: number;
  /**
   * The connection whose view of SQLite's `data_version` keys the snapshots (default: one of its
   * own, read-only). Commits made through this connection do not count as changes: the sandbox
   * keeps its runs through it, and its runs are not in the snapshot.
   */
  readonly connection?: Database.Database;
}

// Only these tables reach the sandbox: papers and what is known about them. The rest (API key
// hashes, the journal and its payloads, webhook deliveries, sandbox runs) stays on the host.
export const SHARED_TABLE = /^(papers|papers_fts.*|paper_[a-z_]+|authors|graph_entities|graph_edges|schema_migrations|sqlite_.*)$/;

/**
 * Consistent, read-only snapshots of the stores for sandbox runs, under `<root>/<n>/`:
 * - `paperd.sqlite`: `VACUUM INTO` from a read transaction (WAL: the writer is never blocked, and
 *   the copy is one point in time, where the backup API restarts on every concurrent write), then
 *   every table not shared is dropped with `secure_delete`, so its pages are zeroed, not freed;
 *   journal mode DELETE, so runs open it `immutable=1` (`copySharedSqlite`, in a worker thread).
 * - `vectors/<table>.f32` + `.json`: the vectors at one pinned LanceDB version (`checkout`),
 *   row-major float32 with their ids: numpy and Node read it as is, where LanceDB itself has no
 *   Debian package for the image's Python.
 * A snapshot is keyed by SQLite's `data_version` and the LanceDB table version, so runs share
 * one while the stores do not change; it is deleted when no run holds it and a newer one exists.
 */
export class StoreSnapshots {
  private handle: Database.Database | undefined;
  private connection: lancedb.Connection | undefined;
  private table: lancedb.Table | undefined;
  private current: Snapshot | undefined;
  private making: Promise<Snapshot> | undefined;
  private readonly holds = new Map<string, { snapshot: Snapshot; count: number }>();
  private counter = 0;

  constructor(
    private readonly source: SnapshotSource,
    private readonly root: string,
    private readonly now: () => number = Date.now,
  ) {}

  // Opened on first use and again after close, so a restarted runner can reuse this object.
  private get db(): Database.Database {
    if (this.source.connection) return this.source.connection;
    if (!this.handle) {
      this.handle = new Database(this.source.sqliteFile, { readonly: true, fileMustExist: true });
      this.handle.pragma('busy_timeout = 5000');
    }
    return this.handle;
  }

  /** Deletes whatever a previous process left under the root. Call before the first snapshot. */
  async clean(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
    await mkdir(this.root, { recursive: true });
  }

  /** The key of the stores' state now. */
  async key(): Promise<string> {
    const dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    const lance = await this.vectorVersion();
    return `${dataVersion}.${lance ?? 'none'}`;
  }

  /** Whether `snapshot` may still be used: it is the newest, and shows the stores as they are or is young enough. */
  async isCurrent(snapshot: Snapshot): Promise<boolean> {
    if (snapshot !== this.current) return false;
    return this.fresh(snapshot) || snapshot.key === (await this.key());
  }

  private fresh(snapshot: Snapshot): boolean {
    return this.now() - snapshot.takenAtMs < this.source.maxAgeMs;
  }

  /** A snapshot of the stores as they are now, held until `release`. */
  async acquire(): Promise<Snapshot> {
    const asked = this.now();
    for (;;) {
      if (this.current && this.fresh(this.current)) return this.hold(this.current);
      const key = await this.key();
      if (this.current?.key === key) return this.hold(this.current);
      this.making ??= this.make(key).finally(() => {
        this.making = undefined;
      });
      const made = await this.making;
      // Taken after we asked: as fresh as wanted, even if the stores changed again meanwhile.
      if (made.key === key || made.takenAtMs >= asked) return this.hold(made);
    }
  }

  /** Lets go of a snapshot; one no run holds and no longer current is deleted (resolves when it is). */
  release(snapshot: Snapshot): Promise<void> {
    const held = this.holds.get(snapshot.dir);
    if (!held || --held.count > 0) return Promise.resolve();
    this.holds.delete(snapshot.dir);
    return this.current?.dir !== snapshot.dir ? rm(snapshot.dir, { recursive: true, force: true }) : Promise.resolve();
  }

  /** Removes every snapshot (none may be held) and closes the stores' handles. */
  async close(): Promise<void> {
    await this.making?.catch(() => undefined);
    this.table?.close();
    this.connection?.close();
    this.handle?.close();
    this.table = undefined;
    this.connection = undefined;
    this.handle = undefined;
    this.current = undefined;
    this.holds.clear();
    await rm(this.root, { recursive: true, force: true });
  }

  private hold(snapshot: Snapshot): Snapshot {
    const held = this.holds.get(snapshot.dir) ?? { snapshot, count: 0 };
    held.count++;
    this.holds.set(snapshot.dir, held);
    return snapshot;
  }

  private async make(key: string): Promise<Snapshot> {
    const dir = path.join(this.root, String(++this.counter));
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.join(dir, 'vectors'), { recursive: true });
    try {
      const takenAtMs = this.now();
      const takenAt = new Date(takenAtMs).toISOString();
      // The key's versions are read again inside: a write between key() and here only makes the
      // snapshot newer than its key, and the next acquire makes another.
      const tables = await copySharedSqlite(this.source.sqliteFile, path.join(dir, 'paperd.sqlite'), SHARED_TABLE);
      const vectors = this.source.vectors ? await this.exportVectors(path.join(dir, 'vectors')) : { count: 0, version: null };
      await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ takenAt, key, tables, vectors: { table: this.source.vectorTable, ...vectors } }, null, 2));
      await openToRuns(dir);
      const snapshot = { key, dir, takenAt, takenAtMs };
      const previous = this.current;
      this.current = snapshot;
      if (previous && !this.holds.has(previous.dir)) await rm(previous.dir, { recursive: true, force: true });
      return snapshot;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  private async openTable(): Promise<lancedb.Table | undefined> {
    if (this.table) return this.table;
    this.connection ??= await lancedb.connect(this.source.lancedbDir);
    if (!(await this.connection.tableNames()).includes(this.source.vectorTable)) return undefined;
    this.table = await this.connection.openTable(this.source.vectorTable);
    return this.table;
  }

  private async vectorVersion(): Promise<number | undefined> {
    if (!this.source.vectors) return undefined;
    const table = await this.openTable();
    if (!table) return undefined;
    await table.checkoutLatest();
    return table.version();
  }

  private async exportVectors(dir: string): Promise<{ count: number; version: number | null; dimensions?: number }> {
    const table = await this.openTable();
    const name = this.source.vectorTable;
    if (!table) {
      await writeFile(path.join(dir, `${name}.json`), JSON.stringify({ count: 0, dimensions: 0, ids: [], version: null }));
      return { count: 0, version: null };
    }
    await table.checkoutLatest();
    const version = await table.version();
    // Pinned: the rows read below are that version's, whatever vector sync commits meanwhile.
    await table.checkout(version);
    const ids: string[] = [];
    let dimensions = 0;
    const out = createWriteStream(path.join(dir, `${name}.f32`));
    try {
      for await (const batch of table.query().select(['id', 'vector']) as AsyncIterable<RecordBatch>) {
        const idColumn = batch.getChild('id');
        const vectorColumn = batch.getChild('vector');
        if (!idColumn || !vectorColumn) continue;
        for (let i = 0; i < batch.numRows; i++) {
          const vector = vectorColumn.get(i) as { toArray(): Float32Array } | null;
          if (!vector) continue;
          const values = Float32Array.from(vector.toArray());
          dimensions = values.length;
          ids.push(String(idColumn.get(i)));
          if (!out.write(Buffer.from(values.buffer, values.byteOffset, values.byteLength))) await once(out, 'drain');
        }
      }
    } finally {
      out.end();
      await once(out, 'close');
      await table.checkoutLatest();
    }
    await writeFile(path.join(dir, `${name}.json`), JSON.stringify({ count: ids.length, dimensions, ids, version }));
    return { count: ids.length, version, dimensions };
  }
}

// The container's user (65534) reads the snapshot; nobody writes it.
async function openToRuns(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  await chmod(path.join(dir, 'vectors'), 0o755);
  for (const name of await readdir(dir)) if (name !== 'vectors') await chmod(path.join(dir, name), 0o444);
  for (const name of await readdir(path.join(dir, 'vectors'))) await chmod(path.join(dir, 'vectors', name), 0o444);
}

/** The schema runs see (`CREATE` statements of the shared tables), for prompts and docs. */
export function sharedSchema(db: Database.Database): string {
  const rows = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL ORDER BY name`).all() as { name: string; sql: string }[];
  return rows
    .filter((r) => SHARED_TABLE.test(r.name) && !/^papers_fts_|^sqlite_/.test(r.name))
    .map((r) => `${r.sql.replace(/\n\s+/g, '\n  ')};`)
    .join('\n\n');
}
