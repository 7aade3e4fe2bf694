import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { GpuLeases } from '../offline/gpu-lease.js';
import type { Scheduler } from '../offline/scheduler.js';

/**
 * The offline scheduler: each job class's work by state (queued, running, done, failed) and
 * whether it is paused or waiting; the online load level it reads; the GPU leases, who holds them,
 * and how often heat held batch work back.
 */
export function registerOfflineMetrics(prom: PromRegistry, scheduler: Scheduler, leases: GpuLeases | undefined): void {
  new Gauge({
    name: 'paperd_offline_class_jobs', help: 'Offline job classes: units queued and steps running now, units done and failed so far', labelNames: ['class', 'state'], registers: [prom],
    collect() {
      this.reset();
      for (const c of scheduler.snapshot().classes) {
        this.set({ class: c.name, state: 'queued' }, c.queued);
        this.set({ class: c.name, state: 'running' }, c.running);
        this.set({ class: c.name, state: 'done' }, c.done);
        this.set({ class: c.name, state: 'failed' }, c.failed);
      }
    },
  });
  new Gauge({
    name: 'paperd_offline_class_state', help: '1 for the state each offline job class is in (running, waiting, paused, idle)', labelNames: ['class', 'state'], registers: [prom],
    collect() {
      this.reset();
      for (const c of scheduler.snapshot().classes) for (const s of ['running', 'waiting', 'paused', 'idle']) this.set({ class: c.name, state: s }, c.state === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'paperd_offline_online_load', help: 'The online load the scheduler reads: 0 low, 1 moderate, 2 high', registers: [prom],
    collect() {
      this.set({ low: 0, moderate: 1, high: 2 }[scheduler.snapshot().load.level]);
    },
  });
  if (!leases) return;
  new Gauge({
    name: 'paperd_gpu_lease_held', help: '1 while batch work holds the GPU lease of each GPU node', labelNames: ['node'], registers: [prom],
    collect() {
      this.reset();
      for (const l of leases.list()) this.set({ node: l.node }, l.holder === null ? 0 : 1);
    },
  });
  new Gauge({
    name: 'paperd_gpu_lease_hot', help: '1 while batch work may not lease a GPU node because its GPU is hot or throttling', labelNames: ['node'], registers: [prom],
    collect() {
      this.reset();
      for (const l of leases.list()) this.set({ node: l.node }, l.hot === undefined ? 0 : 1);
    },
  });
  new Counter({
    name: 'paperd_gpu_lease_held_back_total', help: 'GPU leases refused or taken back because the GPU was hot', labelNames: ['node'], registers: [prom],
    collect() {
      this.reset();
      for (const [node, n] of leases.heldBackForHeat) this.inc({ node }, n);
    },
  });
}
