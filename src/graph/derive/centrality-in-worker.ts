import { resultOf, runInWorker, type WorkerReply } from '../../runtime/run-in-worker.js';
import type { CentralityRun } from './centrality.js';

const ENTRY = new URL('./centrality-worker.ts', import.meta.url);

/**
 * `recomputeCentrality` on the store at `database`, in a worker thread. Aborting terminates it,
 * leaving each row with the rank of this run or the last one until the next run completes.
 */
export async function recomputeCentralityInWorker(database: string, now: number, signal?: AbortSignal): Promise<CentralityRun> {
  return resultOf(await runInWorker<{ database: string; now: number }, WorkerReply<CentralityRun>>(ENTRY, { database, now }, signal));
}
