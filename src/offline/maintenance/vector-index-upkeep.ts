import type { VectorStore } from '../../storage/lancedb/vector-store.js';
import type { MaintenanceTask } from './maintenance-task.js';

/**
 * LanceDB compaction and vector index (re)builds, as maintenance: at a million rows one takes
 * 20–60 s of both cores and slows search, so it runs only when the scheduler lets maintenance run
 * (low online load, or its off-peak window), or once it is overdue: a steady import that never
 * leaves room would otherwise pile up small fragments, each opened by every search. One table per step; LanceDB's native work cannot be
 * interrupted, so a table once started is finished.
 */
export function vectorIndexUpkeep(tables: Readonly<Record<string, VectorStore>>, everyMs: number, overdueAfterMs?: number): MaintenanceTask {
  const names = Object.keys(tables);
  let next = 0;
  return {
    name: 'vector-index',
    everyMs,
    ...(overdueAfterMs === undefined ? {} : { overdueAfterMs }),
    async run(step) {
      const reports: Record<string, unknown> = {};
      while (next < names.length && step.mayContinue()) {
        const name = names[next]!;
        reports[name] = await tables[name]!.maintainIndex();
        next++;
      }
      if (next < names.length) return { finished: false, detail: reports };
      next = 0;
      return { finished: true, detail: reports };
    },
  };
}
