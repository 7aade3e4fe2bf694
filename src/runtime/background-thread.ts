import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { askToRunIdle } from './idle-threads.js';

/** The nice value of threads that do batch work: the event loop's thread keeps 0. */
export const BACKGROUND_NICENESS = 10;

/** Linux's scheduling policy for tasks that run only on a core no other task wants (sched(7)). */
export const SCHED_IDLE = 5;

/**
 * Lowers the calling thread's CPU priority, for worker threads that do batch work (indexing,
 * fallback enrichment, PageRank, model fits). On Linux a thread is a task with its own nice value,
 * named by `/proc/thread-self`; at nice 10 it gets about a tenth of a core it shares with the
 * event loop's thread, so searches answered there do not queue behind an import for the CPU. It
 * then asks for SCHED_IDLE, where it gets none (see `IdleThreads`).
 * Where there is no such file (macOS) or the change is refused, the thread keeps the process's.
 * @returns the thread's task id, when its priority was lowered
 */
export function runAsBackgroundThread(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    setPriority(tid, BACKGROUND_NICENESS);
    askToRunIdle(tid);
    return tid;
  } catch {
    return undefined;
  }
}

/**
 * Lowers the CPU priority of every thread of this process, for a child process that does batch
 * work in native threads it cannot name (LanceDB's index builds): threads made later inherit it
 * from the thread that makes them. They go to nice 10 and then to SCHED_IDLE, where they run only
 * on a core nothing else wants: at nice 10 an index update still took a tenth of each core it
 * shared, and LanceDB searches during an import at a million papers ran at 30 ms p50 against
 * 17 at rest. Node has no call for the policy, so util-linux's `chrt` makes it; the fork that
 * runs it copies this process's page tables, which is cheap only while the process is small, so
 * call this first thing. Where `chrt` is missing or refused the threads keep nice 10, and
 * elsewhere than Linux nothing changes.
 * @returns how many threads were lowered
 */
export function runAsBackgroundProcess(): number {
  let lowered = 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  for (const tid of tids) {
    try {
      setPriority(Number(tid), BACKGROUND_NICENESS);
      lowered++;
    } catch {
      // A thread that ended since the listing.
    }
  }
  spawnSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore', timeout: 10_000 });
  return lowered;
}

/**
 * The fields of a `/proc/<pid>[/task/<tid>]/stat` file after the parenthesised command name (which
 * may hold spaces): `[1]` is the parent pid, `[16]` the nice value, `[38]` the scheduling policy
 * (fields 4, 19 and 41 of proc(5)).
 */
export function procStatFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The nice value of each thread of this process (Linux; elsewhere none). */
export function threadNiceValues(): number[] {
  return threadStatFields(16);
}

/** The scheduling policy of each thread of this process (Linux; elsewhere none): 0 normal, `SCHED_IDLE`, … */
export function threadSchedulingPolicies(): number[] {
  return threadStatFields(38);
}

/** One field of `procStatFields` for each thread of this process. */
function threadStatFields(index: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  return tids.flatMap((tid) => {
    try {
      return [Number(procStatFields(`/proc/self/task/${tid}/stat`)[index])];
    } catch {
      return []; // A thread that ended since the listing.
    }
  });
}
