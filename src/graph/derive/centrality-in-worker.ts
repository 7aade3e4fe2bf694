import { runInWorker } from '../../runtime/run-in-worker.js';
import type { CentralityRun } from './centrality.js';

const ENTRY = new URL('./centrality-worker.ts', import.meta.url);

/**
 * `recomputeCentrality` on the store at `database`, in a worker thread. Aborting terminates it,
 * leaving each row with the rank of this run or the last one until the next run completes.
 */
export function recomputeCentralityInWorker(database: string, now: number, signal?: AbortSignal): Promise<CentralityRun> {
  return runInWorker<{ database: string; now: number }, CentralityRun>(ENTRY, { database, now }, signal);
}
