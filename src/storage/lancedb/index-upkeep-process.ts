import { fork, type ChildProcess } from 'node:child_process';
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
  /** The scheduling policy of each thread (Linux): `SCHED_IDLE` where `chrt` could set it. */
  readonly threadPolicies: readonly number[];
}

/** A request as it crosses to the child: runs are numbered so a reply finds its run. */
export interface IndexUpkeepMessage {
  readonly run: number;
  readonly request: IndexUpkeepRequest;
  /** Past this resident size after the run, the child exits (see `UPKEEP_CHILD_MAX_RSS`). */
  readonly maxRssBytes: number;
}

/** The child's answer to one run; `recycle` when it exits after it (see `UPKEEP_CHILD_MAX_RSS`). */
export type IndexUpkeepAnswer = IndexUpkeepReply & { readonly run: number; readonly pid: number; readonly recycle: boolean };

/**
 * A child that grew past this much resident memory (an index build reads every vector) exits
 * after its run, and the next run starts a fresh one, rather than holding it while idle.
 */
export const UPKEEP_CHILD_MAX_RSS = 768 * 2 ** 20;

const ENTRY = fileURLToPath(new URL('./index-upkeep-child.mjs', import.meta.url));

interface Queued {
  readonly request: IndexUpkeepRequest;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (done: IndexUpkeepDone & { readonly pid: number }) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A long-lived child process that runs `VectorStore.maintainIndex` on request, its threads at a
 * lower CPU priority (on Linux nice 10, and `SCHED_IDLE` where `chrt` can set it). At a million
 * rows one run (taking new rows into the IVF index, compacting fragments) costs 20 s and more of
 * CPU in LanceDB's native threads, which cannot be told apart from the threads that answer
 * searches in the node's own process; in a process of its own the work yields the cores to
 * searches and the event loop. LanceDB lets the
 * two processes share the table: its commits are atomic. A compaction fails when the node updates
 * rows it rewrites meanwhile, so the node holds its writes while one runs (`VectorStore.maintainIndex`).
 *
 * The process is kept between runs because starting one blocks the event loop for as long as the
 * kernel takes to copy the node's page tables: 60–160 ms at 1–4 GB resident, measured here, and an
 * import runs upkeep every few thousand rows. `start` forks it early, while the node is small.
 * Runs go one at a time, in order; a child that dies is replaced at the next run.
 */
export class IndexUpkeepProcess {
  private child: ChildProcess | undefined;
  private readonly queue: Queued[] = [];
  private current: { readonly queued: Queued; readonly run: number; readonly child: ChildProcess } | undefined;
  private nextRun = 1;
  private closed = false;

  constructor(private readonly options: { readonly maxRssBytes?: number } = {}) {}

  /** A run is under way in the child. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /** The child's pid, while there is one. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Forks the child now, unless it runs already. */
  start(): void {
    if (!this.closed) this.process();
  }

  /**
   * Runs one request; `signal` stops it (the child is killed if the run is under way).
   * @throws IndexUpkeepProcessError when the run failed, the process died, or it was stopped
   */
  run(request: IndexUpkeepRequest, signal?: AbortSignal): Promise<IndexUpkeepDone & { readonly pid: number }> {
    if (this.closed) return Promise.reject(new IndexUpkeepProcessError(request.table, 'stopped before it began: the upkeep process is closed'));
    if (signal?.aborted) return Promise.reject(new IndexUpkeepProcessError(request.table, 'stopped before it began'));
    return new Promise((resolve, reject) => {
      const queued: Queued = { request, signal, resolve, reject };
      signal?.addEventListener('abort', () => this.stop(queued), { once: true });
      this.queue.push(queued);
      this.next();
    });
  }

  /** Ends the child (a run under way fails as stopped, queued ones too). */
  close(): void {
    this.closed = true;
    for (const queued of this.queue.splice(0)) queued.reject(new IndexUpkeepProcessError(queued.request.table, 'stopped before it began: the upkeep process is closed'));
    if (this.current) this.current.child.kill('SIGTERM');
    else this.child?.disconnect();
    this.child = undefined;
  }

  private stop(queued: Queued): void {
    const at = this.queue.indexOf(queued);
    if (at >= 0) {
      this.queue.splice(at, 1);
      queued.reject(new IndexUpkeepProcessError(queued.request.table, 'stopped before it began'));
    } else if (this.current?.queued === queued) {
      this.current.child.kill('SIGTERM');
    }
  }

  private next(): void {
    if (this.current || this.closed) return;
    const queued = this.queue.shift();
    if (!queued) return;
    let child: ChildProcess;
    try {
      child = this.process();
    } catch (error) {
      queued.reject(new IndexUpkeepProcessError(queued.request.table, `could not run its process: ${(error as Error).message}`));
      return this.next();
    }
    const run = this.nextRun++;
    this.current = { queued, run, child };
    holdOpen(child, true);
    child.send({ run, request: queued.request, maxRssBytes: this.options.maxRssBytes ?? UPKEEP_CHILD_MAX_RSS } satisfies IndexUpkeepMessage);
  }

  private process(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(ENTRY, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    holdOpen(child, false);
    child.on('message', (answer: IndexUpkeepAnswer) => this.answered(child, answer));
    child.once('error', (error) => this.ended(child, `could not run its process: ${error.message}`));
    child.once('exit', (code, killedBy) => this.ended(child, killedBy ? `its process was killed by ${killedBy}` : `its process exited with code ${code}`));
    this.child = child;
    return child;
  }

  private answered(child: ChildProcess, answer: IndexUpkeepAnswer): void {
    const current = this.current;
    if (!current || current.child !== child || current.run !== answer.run) return;
    this.current = undefined;
    holdOpen(child, false);
    if (answer.recycle && this.child === child) this.child = undefined;
    const { queued } = current;
    if ('report' in answer) queued.resolve({ report: answer.report, threadNiceness: answer.threadNiceness, threadPolicies: answer.threadPolicies, pid: answer.pid });
    else queued.reject(new IndexUpkeepProcessError(queued.request.table, `failed: ${answer.error.name}: ${answer.error.message}`));
    this.next();
  }

  private ended(child: ChildProcess, why: string): void {
    if (this.child === child) this.child = undefined;
    const current = this.current;
    if (!current || current.child !== child) return;
    this.current = undefined;
    const { queued } = current;
    queued.reject(new IndexUpkeepProcessError(queued.request.table, `did not finish: ${queued.signal?.aborted || this.closed ? 'it was stopped' : why}`));
    this.next();
  }
}

/** A run under way keeps this process alive; an idle child does not keep a finishing one. */
function holdOpen(child: ChildProcess, hold: boolean): void {
  if (hold) {
    child.ref();
    child.channel?.ref();
  } else {
    child.unref();
    child.channel?.unref();
  }
}
