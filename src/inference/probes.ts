import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { Endpoint } from './endpoint.js';
import type { LlmRouterEvent } from './events.js';

/**
 * Active health checks: every `intervalMs` each endpoint that is up or cooling is probed (a dead
 * engine or a closed port shows before a request pays for it), and an endpoint that is down is
 * probed as its half-open trial once its cooldown ends (`due` is called at that moment too).
 */
export class Prober {
  private readonly probing = new Set<Endpoint>();
  private readonly trialTimers = new Map<Endpoint, TimerHandle>();
  private tick: TimerHandle | undefined;
  private running = false;

  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly emit: (event: LlmRouterEvent) => void,
  ) {}

  start(): void {
    if (this.running || this.intervalMs === 0) return;
    this.running = true;
    const loop = () => {
      void this.round();
      this.tick = this.clock.setTimeout(loop, this.intervalMs);
    };
    loop();
  }

  stop(): void {
    this.running = false;
    if (this.tick) this.clock.clearTimeout(this.tick);
    for (const t of this.trialTimers.values()) this.clock.clearTimeout(t);
    this.trialTimers.clear();
  }

  /** Probes every endpoint once (the down ones only if their trial is due); resolves when all answered. */
  round(): Promise<void> {
    return Promise.all(this.endpoints.map((e) => this.probe(e))).then(() => undefined);
  }

  /** An endpoint went down until `until`: probe it then, rather than at the next tick. */
  due(endpoint: Endpoint, until: number): void {
    if (!this.running) return;
    const prior = this.trialTimers.get(endpoint);
    if (prior) this.clock.clearTimeout(prior);
    this.trialTimers.set(endpoint, this.clock.setTimeout(() => {
      this.trialTimers.delete(endpoint);
      void this.probe(endpoint);
    }, until - this.clock.now()));
  }

  private async probe(endpoint: Endpoint): Promise<void> {
    if (this.probing.has(endpoint)) return;
    const health = endpoint.health;
    let trial = false;
    if (health.state === 'down') {
      if (!health.takeTrial()) return;
      trial = true;
    }
    this.probing.add(endpoint);
    const controller = new AbortController();
    const timer = this.clock.setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const result = await endpoint.upstream.probe(controller.signal);
      const message = result.ok ? null : result.failure.message;
      endpoint.lastProbe = { at: this.clock.now(), ok: result.ok, message };
      this.emit({ type: 'probe', endpoint: endpoint.name, ok: result.ok, message });
      // A good probe ends a trial; it does not close a circuit opened by overload, which /health cannot see.
      if (result.ok) {
        if (trial) health.succeeded(true);
      } else {
        health.failed(result.failure, trial);
      }
    } catch (error) {
      if (trial) health.dropTrial();
      endpoint.lastProbe = { at: this.clock.now(), ok: false, message: (error as Error).message };
    } finally {
      this.clock.clearTimeout(timer);
      this.probing.delete(endpoint);
    }
  }
}
