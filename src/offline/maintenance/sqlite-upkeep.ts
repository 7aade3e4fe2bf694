import type { Database } from 'better-sqlite3';
import type { MaintenanceTask } from './maintenance-task.js';

/**
 * WAL checkpoint (PASSIVE: it copies what no reader still needs and never waits for one), so the
 * WAL does not grow without end under a steady stream of writes.
 */
export function walCheckpoint(db: Database, everyMs: number, overdueAfterMs?: number): MaintenanceTask {
  return {
    name: 'wal-checkpoint',
    everyMs,
    ...(overdueAfterMs === undefined ? {} : { overdueAfterMs }),
    async run() {
      const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      return { finished: true, detail: { ...row } };
    },
  };
}

/**
 * FTS5 optimize in bounded pieces: 'merge' with a page budget per statement, repeated while it
 * still changes something and the step may go on. A single 'optimize' at a million rows holds
 * the write lock for minutes; this holds it for one merge at a time, and online writes go between.
 */
export function ftsMerge(db: Database, table: string, everyMs: number, pagesPerMerge = 256): MaintenanceTask {
  const merge = db.prepare(`INSERT INTO ${table} (${table}, rank) VALUES ('merge', ?)`);
  const changes = db.prepare('SELECT total_changes()').pluck();
  return {
    name: 'fts-merge',
    everyMs,
    async run(step) {
      let merges = 0;
      while (step.mayContinue()) {
        const before = changes.get() as number;
        merge.run(-pagesPerMerge);
        merges++;
        // Fewer than two rows changed: nothing left to merge (FTS5's documented end test).
        if ((changes.get() as number) - before < 2) return { finished: true, detail: { merges } };
        await new Promise((r) => setImmediate(r));
      }
      return { finished: false, detail: { merges } };
    },
  };
}

/**
 * Returns free pages to the file system in bounded pieces, where the store was created with
 * `auto_vacuum = INCREMENTAL`; a store without it would need a full VACUUM (a copy of the whole
 * file under an exclusive lock), which this never runs on its own.
 */
export function incrementalVacuum(db: Database, everyMs: number, pagesPerStep = 2_000): MaintenanceTask {
  return {
    name: 'incremental-vacuum',
    everyMs,
    async run(step) {
      if ((db.pragma('auto_vacuum', { simple: true }) as number) !== 2) return { finished: true, detail: { skipped: 'auto_vacuum is not INCREMENTAL' } };
      let freed = 0;
      while (step.mayContinue()) {
        const free = db.pragma('freelist_count', { simple: true }) as number;
        if (free === 0) return { finished: true, detail: { freed } };
        db.pragma(`incremental_vacuum(${Math.min(free, pagesPerStep)})`);
        freed += Math.min(free, pagesPerStep);
        await new Promise((r) => setImmediate(r));
      }
      return { finished: false, detail: { freed } };
    },
  };
}
