import { readdirSync, readFileSync } from 'node:fs';
import { procStatFields } from '../../src/runtime/background-thread.js';

const TICKS_PER_SECOND = 100;

/**
 * Samples the CPU of a process's children whose command line names `marker` (a node's index
 * upkeep process), from /proc, so that a bench can say whether one was working when a search was
 * slow. Empty where there is no /proc.
 */
export class ChildCpuSampler {
  private readonly samples: { readonly at: number; readonly ticks: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly parent: number, private readonly marker: string, everyMs = 200) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  /** Cores the children used on average over [from, to] (performance.now() times), or undefined without samples around it. */
  coresBetween(from: number, to: number): number | undefined {
    const before = this.samples.filter((s) => s.at <= from).at(-1);
    const after = this.samples.find((s) => s.at >= to);
    if (!before || !after || after.at === before.at) return undefined;
    // A child that ended takes its ticks with it.
    return Math.max(0, after.ticks - before.ticks) / TICKS_PER_SECOND / ((after.at - before.at) / 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    let ticks = 0;
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    for (const pid of pids) {
      try {
        const fields = procStatFields(`/proc/${pid}/stat`);
        if (Number(fields[1]) !== this.parent || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(this.marker)) continue;
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // The process ended between the listing and the read.
      }
    }
    this.samples.push({ at: performance.now(), ticks });
  }
}
