import type { FailureType } from './failure.js';

const WINDOW = 256;

/** Counts and latencies of one endpoint's attempts: totals, an EWMA, and p50 over the last 256. */
export class EndpointStats {
  requests = 0;
  errors = 0;
  readonly errorsByType: Partial<Record<FailureType, number>> = {};
  private ewma: number | null = null;
  private ttftEwma: number | null = null;
  private readonly recent = new Float64Array(WINDOW);
  private filled = 0;
  private next = 0;

  /** An attempt that got a whole answer, `ms` from send to last byte. */
  ok(ms: number, ttftMs?: number): void {
    this.requests++;
    this.ewma = this.ewma === null ? ms : this.ewma + 0.2 * (ms - this.ewma);
    if (ttftMs !== undefined) this.ttftEwma = this.ttftEwma === null ? ttftMs : this.ttftEwma + 0.2 * (ttftMs - this.ttftEwma);
    this.recent[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
    this.filled = Math.min(WINDOW, this.filled + 1);
  }

  failed(type: FailureType): void {
    this.requests++;
    this.errors++;
    this.errorsByType[type] = (this.errorsByType[type] ?? 0) + 1;
  }

  /** An attempt that ended with no verdict on the endpoint (the caller left, the deadline passed). */
  abandoned(): void {
    this.requests++;
  }

  snapshot() {
    const sorted = Array.from(this.recent.subarray(0, this.filled)).sort((a, b) => a - b);
    const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
    return {
      requests: this.requests,
      errors: this.errors,
      errorsByType: { ...this.errorsByType },
      latency: {
        p50Ms: round(sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : null),
        ewmaMs: round(this.ewma),
        firstTokenEwmaMs: round(this.ttftEwma),
        samples: this.filled,
      },
    };
  }
}
