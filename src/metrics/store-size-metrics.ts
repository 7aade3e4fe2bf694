import { readdirSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Gauge, type Registry as PromRegistry } from 'prom-client';

/** Bytes under `dir`, every file counted once; 0 when it does not exist. */
export function directoryBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += directoryBytes(path);
    else if (e.isFile()) {
      try {
        total += statSync(path).size;
      } catch {
        // Removed between the listing and the stat (LanceDB compaction): not there any more.
      }
    }
  }
  return total;
}

const fileBytes = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/**
 * The stores' sizes on disk: SQLite (main file, WAL and shared memory), LanceDB and blobs. A
 * directory walk of a large LanceDB costs milliseconds to seconds, so walks are cached for
 * `cacheMs` between scrapes.
 */
export function registerStoreSizeMetrics(prom: PromRegistry, paths: { sqlite: string; lancedb: string; blobs: string }, now: () => number = Date.now, cacheMs = 60_000): void {
  let cached: { at: number; lancedb: number; blobs: number } | undefined;
  new Gauge({
    name: 'paperd_store_bytes', help: 'Bytes on disk of each store: sqlite (with WAL), lancedb, blobs', labelNames: ['store'], registers: [prom],
    collect() {
      if (!cached || now() - cached.at >= cacheMs) cached = { at: now(), lancedb: directoryBytes(paths.lancedb), blobs: directoryBytes(paths.blobs) };
      this.set({ store: 'sqlite' }, fileBytes(paths.sqlite) + fileBytes(`${paths.sqlite}-wal`) + fileBytes(`${paths.sqlite}-shm`));
      this.set({ store: 'lancedb' }, cached.lancedb);
      this.set({ store: 'blobs' }, cached.blobs);
    },
  });
}

/** The file system the data dir is on: free (to unprivileged writers) and total bytes. */
export function registerDiskMetrics(prom: PromRegistry, dataDir: string): void {
  new Gauge({
    name: 'paperd_data_disk_bytes', help: "The data dir's file system: free and total bytes", labelNames: ['kind'], registers: [prom],
    collect() {
      const s = statfsSync(dataDir);
      this.set({ kind: 'free' }, s.bavail * s.bsize);
      this.set({ kind: 'total' }, s.blocks * s.bsize);
    },
  });
}
