import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BadInputError } from '../errors.js';
import type { Store } from '../storage/store.js';
import { Outbox } from '../storage/sqlite/outbox.js';
import { chunkId } from '../storage/chunk-sync.js';
import { BACKUP_MANIFEST, isEmptyDir, type BackupManifest } from './take-backup.js';

/**
 * Copies a backup into a data dir that is missing or empty. The copy is not yet a consistent
 * store: run `reconcileVectors` on it, then let the pipeline drain (paperd restore does both).
 */
export async function copyBackup(from: string, dataDir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(from, BACKUP_MANIFEST), 'utf8')) as BackupManifest;
  } catch (error) {
    throw new BadInputError(`${from} is not a paperd backup: no readable ${BACKUP_MANIFEST} (${(error as Error).message})`);
  }
  if (manifest.v !== 1) throw new BadInputError(`${from} is a backup of format ${String(manifest.v)}, which this paperd does not read`);
  if (!(await isEmptyDir(dataDir))) throw new BadInputError(`${dataDir} is not empty: restore into a new data dir`);
  await cp(from, dataDir, { recursive: true, filter: (src) => src !== join(from, BACKUP_MANIFEST) });
  return manifest;
}

/** What reconciling did. */
export interface Reconciled {
  /** Paper vectors of papers the SQLite snapshot does not have, deleted. */
  readonly orphanVectors: number;
  /** Chunk vectors of chunks the SQLite snapshot does not have, deleted. */
  readonly orphanChunks: number;
  /** Papers with a missing vector or chunk vector, queued in the outbox to be synced again. */
  readonly requeued: number;
}

/**
 * Brings a restored LanceDB in line with the restored SQLite, the source of truth: the backup took
 * LanceDB after SQLite, so it may hold rows of papers written in between (deleted here), and
 * anything SQLite has that LanceDB lacks is queued again through the outbox (vector sync's
 * upserts are idempotent).
 */
export async function reconcileVectors(store: Store): Promise<Reconciled> {
  const { db } = store;
  const papers = new Set(db.prepare('SELECT id FROM papers').pluck().all() as string[]);
  const paperVectors = await store.vectors.ids();
  const orphanVectors = [...new Set(paperVectors.filter((id) => !papers.has(id)))];
  if (orphanVectors.length > 0) await store.vectors.delete(orphanVectors);
  const chunks = new Set(
    (db.prepare('SELECT paper_id, idx FROM paper_chunks').raw().all() as [string, number][]).map(([paper, idx]) => chunkId(paper, idx)),
  );
  const chunkVectors = await store.chunkVectors.ids();
  const orphanChunks = [...new Set(chunkVectors.filter((id) => !chunks.has(id)))];
  if (orphanChunks.length > 0) await store.chunkVectors.delete(orphanChunks);

  const haveVector = new Set(paperVectors);
  const haveChunk = new Set(chunkVectors);
  const stale = new Set<string>([...papers].filter((id) => !haveVector.has(id)));
  for (const id of chunks) if (!haveChunk.has(id)) stale.add(id.slice(0, id.lastIndexOf('#')));
  const outbox = new Outbox(db);
  const now = Date.now();
  db.transaction(() => {
    for (const id of stale) outbox.append(id, 'upsert', now);
  })();
  return { orphanVectors: orphanVectors.length, orphanChunks: orphanChunks.length, requeued: stale.size };
}
