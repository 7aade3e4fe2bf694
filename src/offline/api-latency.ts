import type { FastifyInstance } from 'fastify';

/**
 * Response times of the online API over a sliding window: one of the scheduler's load signals.
 * Kept as a ring of recent samples, so reading the p95 costs a sort of at most `capacity` numbers.
 */
export class ApiLatency {
  private readonly samples: { at: number; ms: number }[] = [];
  /** Samples taken while no offline step ran: what the online path costs on its own. */
  private readonly quiet: { at: number; ms: number }[] = [];
  /** Whether offline work runs now; set once the scheduler exists. */
  offlineActive: () => boolean = () => false;

  constructor(private readonly windowMs = 10_000, private readonly capacity = 2_000, private readonly now: () => number = Date.now) {}

  record(ms: number): void {
    this.samples.push({ at: this.now(), ms });
    if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
    if (!this.offlineActive()) {
      this.quiet.push({ at: this.now(), ms });
      if (this.quiet.length > this.capacity) this.quiet.splice(0, this.quiet.length - this.capacity);
    }
  }

  /**
   * How much slower the online API answers now (p95 over the last 5 s) than when no offline work
   * ran (p95 over the last 10 minutes of such samples): 1 when it is not slower, or when either
   * side has too few samples to say.
   */
  slowdown(): number {
    const now = this.now();
    const recent = p95Of(this.samples.filter((s) => s.at >= now - 5_000).map((s) => s.ms), 5);
    const base = p95Of(this.quiet.filter((s) => s.at >= now - 600_000).map((s) => s.ms), 20);
    if (recent === undefined || base === undefined || base <= 0) return 1;
    return Math.max(1, recent / base);
  }

  /** The 95th percentile of the window's response times, or 0 with none. */
  p95(): number {
    const since = this.now() - this.windowMs;
    const recent = this.samples.filter((s) => s.at >= since).map((s) => s.ms).sort((a, b) => a - b);
    if (recent.length === 0) return 0;
    return recent[Math.min(recent.length - 1, Math.floor(recent.length * 0.95))]!;
  }

  /** Requests answered within the window. */
  count(): number {
    const since = this.now() - this.windowMs;
    return this.samples.filter((s) => s.at >= since).length;
  }
}

function p95Of(values: number[], minimum: number): number | undefined {
  if (values.length < minimum) return undefined;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(values.length * 0.95))];
}

/** Routes whose latency is the online path's (not the jobs API, health or metrics scrapes). */
const ONLINE = /^\/v1\/(search|papers|graph|webhooks|chat|embeddings|import)/;

/**
 * Records online routes' response times into `latency`. A root-level hook (call it on the app
 * before its routes are registered), so every route is measured, not only those of one plugin.
 */
export function measureApiLatency(app: FastifyInstance, latency: ApiLatency): void {
  app.addHook('onResponse', async (req, reply) => {
    if (ONLINE.test(req.url)) latency.record(reply.elapsedTime);
  });
}
