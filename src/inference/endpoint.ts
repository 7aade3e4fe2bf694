import type { EndpointSettings, LlmRole } from './config.js';
import type { EndpointHealth } from './endpoint-health.js';
import { EndpointStats } from './endpoint-stats.js';
import { PriorityGate } from './priority-gate.js';
import type { Upstream } from './upstream.js';

/** One configured endpoint at run time: its wire, its circuit, its slots and its numbers. */
export class Endpoint {
  readonly gate: PriorityGate;
  readonly stats = new EndpointStats();
  lastProbe: { at: number; ok: boolean; message: string | null } | null = null;

  constructor(
    readonly settings: EndpointSettings,
    readonly upstream: Upstream,
    readonly health: EndpointHealth,
  ) {
    this.gate = new PriorityGate(settings.concurrency, settings.maxQueued);
  }

  get name(): string {
    return this.settings.name;
  }

  /** Serves `model` in `role`; an endpoint that lists no models serves whatever it is asked for. */
  serves(role: LlmRole, model: string): boolean {
    return this.settings.roles.includes(role) && (this.settings.models.length === 0 || this.settings.models.includes(model));
  }

  /** What this endpoint calls `model`. */
  upstreamModel(model: string): string {
    return this.settings.upstreamModels[model] ?? model;
  }

  snapshot(now: number) {
    const s = this.settings;
    return {
      name: s.name,
      kind: s.kind,
      baseUrl: s.baseUrl,
      roles: [...s.roles],
      models: [...s.models],
      priority: s.priority,
      weight: s.weight,
      concurrency: s.concurrency,
      inFlight: this.gate.inFlight,
      queued: this.gate.queued,
      ...this.health.snapshot(now),
      ...this.stats.snapshot(),
      lastProbe: this.lastProbe,
    };
  }
}

export type EndpointSnapshot = ReturnType<Endpoint['snapshot']>;
