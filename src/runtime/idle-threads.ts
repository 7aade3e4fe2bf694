import { spawn, type ChildProcess } from 'node:child_process';
import { BroadcastChannel } from 'node:worker_threads';

const CHANNEL = 'paperd:idle-threads';

/**
 * Moves this process's batch worker threads to Linux's SCHED_IDLE, where a thread runs only on a
 * core no other task wants; at nice 10 an import's threads (parsing, journaling, indexing,
 * embedding) still took a tenth of each core they shared, and a search during an import at a
 * million papers took 41.8 ms p50 and 111.0 ms p99 against 36.9 and 81.0 with them idle
 * (bench/search). Node has no call for the policy, so util-linux's `chrt` makes it, run by an
 * `xargs` helper started once: a thread that ran `chrt` itself would fork the whole process, and
 * at 2 GB resident a fork from a worker thread held the event loop for 79 ms. Start it early, while
 * the process is small. Threads ask through a broadcast channel (`askToRunIdle`); without a started
 * helper, or without `xargs` or `chrt`, they keep nice 10.
 */
export class IdleThreads {
  private helper: ChildProcess | undefined;
  private channel: BroadcastChannel | undefined;

  /** Starts the helper (Linux only); later calls do nothing. */
  start(): void {
    if (this.helper || process.platform !== 'linux') return;
    const helper = spawn('xargs', ['-n', '1', 'chrt', '--idle', '--pid', '0'], { stdio: ['pipe', 'ignore', 'ignore'] });
    helper.on('error', () => this.close());
    helper.stdin!.on('error', () => this.close());
    // The helper is fed from here; it ends with this process (its input closes) and keeps it from exiting no more than a timer would.
    helper.unref();
    (helper.stdin as unknown as { unref(): void }).unref();
    const channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (event) => {
      const tid = (event as { data: unknown }).data;
      if (Number.isSafeInteger(tid) && (tid as number) > 0) this.helper?.stdin?.write(`${tid as number}\n`);
    };
    channel.unref();
    this.helper = helper;
    this.channel = channel;
  }

  close(): void {
    this.channel?.close();
    this.channel = undefined;
    this.helper?.stdin?.end();
    this.helper = undefined;
  }
}

/** The process's one helper: started by the node (see `startNode`). */
export const idleThreads = new IdleThreads();

/** From a batch worker thread: asks the process's `IdleThreads`, if started, to move the thread `tid` to SCHED_IDLE. */
export function askToRunIdle(tid: number): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage(tid);
  channel.close();
}
