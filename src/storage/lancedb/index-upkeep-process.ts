import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IndexUpkeepProcessError } from '../../errors.js';
import type { AnnPolicy } from './ann-policy.js';
import type { IndexReport } from './vector-store.js';

/** What the child process is asked to keep. */
export interface IndexUpkeepRequest {
  readonly dir: string;
  readonly table: string;
  readonly dimensions: number;
  readonly ann: AnnPolicy;
  /** Take unindexed rows in even below the policy's bound (see `VectorStore.maintainIndexHere`). */
  readonly takeInNewRows: boolean;
  /** Only rebuild the B-tree on id over every row (see `VectorStore.refreshIdIndex`). */
  readonly idIndexOnly?: boolean;
}

export type IndexUpkeepReply = IndexUpkeepDone | { readonly error: { readonly name: string; readonly message: string } };

/** A finished run. */
export interface IndexUpkeepDone {
  readonly report: IndexReport;
  /** The nice value of each thread of the process at the end (Linux): LanceDB's threads inherit the lowered one. */
  readonly threadNiceness: readonly number[];
}

const ENTRY = fileURLToPath(new URL('./index-upkeep-child.mjs', import.meta.url));

/**
 * Runs `VectorStore.maintainIndex` on a table in a child process whose threads run at a lower CPU
 * priority (nice 10 on Linux). At a million rows one run (taking new rows into the IVF index,
 * compacting fragments) costs 20 s and more of CPU in LanceDB's native threads, which cannot be
 * told apart from the threads that answer searches in the node's own process; in a process of its
 * own the work yields the cores to searches and the event loop. LanceDB lets the two processes
 * share the table: its commits are atomic. A compaction fails when the node updates rows it
 * rewrites meanwhile, so the node holds its writes while one runs (`VectorStore.maintainIndex`).
 * @throws IndexUpkeepProcessError when the run failed, the process died, or `signal` stopped it
 */
export function maintainIndexApart(request: IndexUpkeepRequest, signal?: AbortSignal): Promise<IndexUpkeepDone> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new IndexUpkeepProcessError(request.table, 'stopped before it began'));
    const child = fork(ENTRY, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    let reply: IndexUpkeepReply | undefined;
    const stop = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', stop, { once: true });
    child.once('message', (message: IndexUpkeepReply) => {
      reply = message;
    });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', stop);
      reject(new IndexUpkeepProcessError(request.table, `could not run its process: ${error.message}`));
    });
    child.once('exit', (code, killedBy) => {
      signal?.removeEventListener('abort', stop);
      if (reply && 'report' in reply) return resolve(reply);
      if (reply) return reject(new IndexUpkeepProcessError(request.table, `failed: ${reply.error.name}: ${reply.error.message}`));
      const why = signal?.aborted ? 'it was stopped' : killedBy ? `its process was killed by ${killedBy}` : `its process exited with code ${code}`;
      reject(new IndexUpkeepProcessError(request.table, `did not finish: ${why}`));
    });
    child.send(request);
  });
}
