import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { Registry } from '../supervisors/registry.js';

/**
 * Per-actor gauges and counters read from the actor registry at scrape time, so the hot path
 * (tell, handle) pays nothing for metrics.
 */
export function registerActorMetrics(prom: PromRegistry, actors: Registry): void {
  const cells = () => actors.cells();
  new Gauge({
    name: 'paperd_actor_mailbox_depth',
    help: 'Messages accepted by an actor and not yet finished (queued + in flight)',
    labelNames: ['actor'],
    registers: [prom],
    collect() {
      this.reset();
      for (const cell of cells()) this.set({ actor: cell.path }, cell.depth);
    },
  });
  new Gauge({
    name: 'paperd_actor_in_flight',
    help: 'Messages an actor is handling right now (0 or 1)',
    labelNames: ['actor'],
    registers: [prom],
    collect() {
      this.reset();
      for (const cell of cells()) this.set({ actor: cell.path }, cell.inFlight);
    },
  });
  new Gauge({
    name: 'paperd_actor_up',
    help: '1 when the actor is running, 0 otherwise',
    labelNames: ['actor', 'kind'],
    registers: [prom],
    collect() {
      this.reset();
      for (const cell of cells()) this.set({ actor: cell.path, kind: cell.kind }, cell.status === 'running' ? 1 : 0);
    },
  });
  new Counter({
    name: 'paperd_actor_messages_handled_total',
    help: 'Messages an actor has handled to completion',
    labelNames: ['actor'],
    registers: [prom],
    collect() {
      this.reset();
      for (const cell of cells()) this.inc({ actor: cell.path }, cell.handled);
    },
  });
  new Counter({
    name: 'paperd_actor_restarts_total',
    help: 'Times an actor has been restarted by its supervisor',
    labelNames: ['actor'],
    registers: [prom],
    collect() {
      this.reset();
      for (const cell of cells()) this.inc({ actor: cell.path }, cell.restarts);
    },
  });
}
