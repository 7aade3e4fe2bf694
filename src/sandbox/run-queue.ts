import { SandboxBusyError } from '../errors.js';

/**
 * At most `concurrency` holders at once; up to `queueLimit` more wait in arrival order, past
 * which `acquire` refuses at once (`SandboxBusyError`) instead of growing without bound.
 */
export class RunQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly concurrency: number, private readonly queueLimit: number) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a place is free. */
  async acquire(): Promise<() => void> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queueLimit) throw new SandboxBusyError(this.running, this.waiting.length);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The place passes straight to the next in line: `running` stays as it is.
      if (next) next();
      else this.running--;
    };
  }
}
