import type { Database } from 'better-sqlite3';
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BadInputError } from '../errors.js';
import { copyLanceDb } from './copy-lancedb.js';

/** `backup.json`: what a backup holds, written last, so a backup without it is not one. */
export interface BackupManifest {
  readonly v: 1;
  readonly createdAt: string;
  /** The SQLite schema version of the snapshot. */
  readonly schemaVersion: number;
  readonly papers: number;
  /** LanceDB tables and how many versions each copy holds. */
  readonly lancedb: Record<string, number>;
  readonly blobs: number;
  readonly ms: number;
}

export const BACKUP_MANIFEST = 'backup.json';

/**
 * Takes a consistent backup of a live data dir into `dest` (which must not exist yet): SQLite
 * through its online backup API (one snapshot, writers never blocked), then the embedded model,
 * then LanceDB's tables (as of after the SQLite snapshot: a superset of what it had synced, which
 * restore trims), then the content-addressed blobs. It is written beside `dest` and renamed into
 * place at the end, so an interrupted backup leaves no half backup under that name.
 */
export async function takeBackup(db: Database, dataDir: string, dest: string): Promise<BackupManifest> {
  const started = Date.now();
  const target = resolve(dest);
  if (await exists(target)) throw new BadInputError(`${dest} exists already: a backup goes into a new directory`);
  if (target.startsWith(resolve(dataDir) + '/')) throw new BadInputError(`${dest} is inside the data dir: back it up somewhere else`);
  const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  try {
    await db.backup(join(partial, 'paperd.sqlite'));
    await copyIfThere(join(dataDir, 'models'), join(partial, 'models'), (src) => !src.endsWith('.tmp'));
    const { tables } = await copyLanceDb(join(dataDir, 'lancedb'), join(partial, 'lancedb'));
    const blobs = await copyBlobs(join(dataDir, 'blobs'), join(partial, 'blobs'));
    const schemaVersion = db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number;
    const papers = db.prepare('SELECT count(*) FROM papers').pluck().get() as number;
    const manifest: BackupManifest = { v: 1, createdAt: new Date(started).toISOString(), schemaVersion, papers, lancedb: tables, blobs, ms: Date.now() - started };
    await writeFile(join(partial, BACKUP_MANIFEST), JSON.stringify(manifest, null, 2));
    await rename(partial, target);
    return manifest;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

/** Blobs are immutable once named by their hash; files being written (`tmp/`) are left out. */
async function copyBlobs(from: string, to: string): Promise<number> {
  if (!(await exists(from))) return 0;
  let count = 0;
  await cp(from, to, {
    recursive: true,
    filter: async (src) => {
      if (src === join(from, 'tmp') || src.startsWith(join(from, 'tmp') + '/')) return false;
      if ((await stat(src)).isFile()) count++;
      return true;
    },
  });
  return count;
}

async function copyIfThere(from: string, to: string, filter: (src: string) => boolean): Promise<void> {
  if (await exists(from)) await cp(from, to, { recursive: true, filter });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `dir` is missing or empty: where a restore may write. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch {
    return true;
  }
}
