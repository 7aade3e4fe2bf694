import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The nice value of threads that do batch work: the event loop's thread keeps 0. */
export const BACKGROUND_NICENESS = 10;

/**
 * Lowers the calling thread's CPU priority, for worker threads that do batch work (indexing,
 * fallback enrichment, PageRank, model fits). On Linux a thread is a task with its own nice value,
 * named by `/proc/thread-self`; at nice 10 it gets about a tenth of a core it shares with the
 * event loop's thread, so searches answered there do not queue behind an import for the CPU.
 * Where there is no such file (macOS) or the change is refused, the thread keeps the process's.
 * @returns the thread's task id, when its priority was lowered
 */
export function runAsBackgroundThread(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    setPriority(tid, BACKGROUND_NICENESS);
    return tid;
  } catch {
    return undefined;
  }
}

/**
 * Lowers the CPU priority of every thread of this process, for a child process that does batch
 * work in native threads it cannot name (LanceDB's index builds): threads made later inherit the
 * value from the thread that makes them. Elsewhere than Linux, nothing changes.
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
  return lowered;
}

/**
 * The fields of a `/proc/<pid>[/task/<tid>]/stat` file after the parenthesised command name (which
 * may hold spaces): `[1]` is the parent pid, `[16]` the nice value (fields 4 and 19 of proc(5)).
 */
export function procStatFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The nice value of each thread of this process (Linux; elsewhere none). */
export function threadNiceValues(): number[] {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  return tids.flatMap((tid) => {
    try {
      return [Number(procStatFields(`/proc/self/task/${tid}/stat`)[16])];
    } catch {
      return []; // A thread that ended since the listing.
    }
  });
}
