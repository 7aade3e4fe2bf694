import { execFileSync } from 'node:child_process';
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

/** Linux's `SCHED_IDLE` scheduling policy, as `/proc/<pid>/task/<tid>/stat` reports it. */
export const SCHED_IDLE = 5;

/**
 * Puts every thread of this process, and the threads they make later, under `SCHED_IDLE` (Linux,
 * through util-linux's `chrt`), for a child process whose batch work should use only the CPU
 * nothing else wants. At nice 10 a search's thread that wakes on a core running such work may
 * wait for the scheduler to preempt it; under `SCHED_IDLE` the waking thread takes the core at
 * once, and the kernel counts a core that runs only idle-policy work as free when it places it.
 * Where `chrt` is missing or refused, the threads keep their nice value.
 * @returns whether the policy was set
 */
export function runAsIdleProcess(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
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
  return threadStatField(16);
}

/** The scheduling policy of each thread of this process (Linux; elsewhere none). */
export function threadSchedulingPolicies(): number[] {
  return threadStatField(38);
}

function threadStatField(field: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  return tids.flatMap((tid) => {
    try {
      return [Number(procStatFields(`/proc/self/task/${tid}/stat`)[field])];
    } catch {
      return []; // A thread that ended since the listing.
    }
  });
}
