import { Cron } from 'croner';
import { ConfigError } from '../errors.js';
import type { WindowSpec } from './job-class.js';

/**
 * An off-peak window (croner): open from each time its cron pattern fires, in its time zone, for
 * its length in minutes. Invalid patterns and zones are refused when the window is made.
 */
export class OffPeakWindow {
  private readonly cron: Cron;

  constructor(readonly spec: WindowSpec) {
    if (!(spec.minutes > 0)) throw new ConfigError(`off-peak window ${spec.cron}: minutes must be positive, not ${spec.minutes}`);
    try {
      this.cron = new Cron(spec.cron, { paused: true, ...(spec.timezone ? { timezone: spec.timezone } : {}) });
      this.cron.nextRun();
    } catch (error) {
      throw new ConfigError(`off-peak window ${JSON.stringify(spec)}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Whether the window is open at `now` (epoch ms). */
  isOpen(now: number): boolean {
    const at = new Date(now);
    if (this.cron.match(at)) return true;
    const previous = this.cron.previousRuns(1, at)[0];
    return previous !== undefined && now - previous.getTime() < this.spec.minutes * 60_000;
  }

  /** `0 1 * * * Europe/Paris +300min`: what `GET /v1/jobs` shows. */
  describe(): string {
    return `${this.spec.cron}${this.spec.timezone ? ` ${this.spec.timezone}` : ''} +${this.spec.minutes}min`;
  }
}
