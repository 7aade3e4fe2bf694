/**
 * Units done per minute over a sliding window, for `GET /v1/jobs`'s rates and ETAs. Samples older
 * than the window are dropped as new ones come, so memory stays bounded by the step rate.
 */
export class RateMeter {
  private readonly samples: { at: number; units: number }[] = [];
  private readonly since: number;

  constructor(private readonly now: () => number, private readonly windowMs = 5 * 60_000) {
    this.since = now();
  }

  add(units: number): void {
    if (units <= 0) return;
    this.samples.push({ at: this.now(), units });
    this.trim();
  }

  /** Units per minute over the window (or since the meter started, when that is shorter). */
  perMinute(): number {
    this.trim();
    const now = this.now();
    const span = Math.max(1_000, Math.min(this.windowMs, now - this.since));
    const units = this.samples.reduce((sum, s) => sum + s.units, 0);
    return (units * 60_000) / span;
  }

  private trim(): void {
    const cutoff = this.now() - this.windowMs;
    while (this.samples.length > 0 && this.samples[0]!.at < cutoff) this.samples.shift();
  }
}

/**
 * Requests per hour to one endpoint, as a token bucket that refills continuously: a class with
 * 600 an hour may burst to 600, then gets one every 6 s.
 */
export class HourlyBudget {
  private tokens: number;
  private last: number;

  constructor(private readonly perHour: number, private readonly now: () => number) {
    this.tokens = perHour;
    this.last = now();
  }

  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.perHour, this.tokens + ((now - this.last) * this.perHour) / 3_600_000);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
