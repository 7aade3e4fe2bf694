import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { Ingestion } from '../pipeline/ingestion.js';
import type { Journal } from '../storage/sqlite/journal.js';

/** Pipeline depth, backpressure state and crossings, and the journal by state and priority. */
export function registerPipelineMetrics(prom: PromRegistry, ingestion: Ingestion, journal: Journal): void {
  new Gauge({
    name: 'paperd_pipeline_depth',
    help: 'Ingest jobs not done plus outbox rows not yet in LanceDB (what the watermarks apply to)',
    registers: [prom],
    collect() {
      this.set(ingestion.depth());
    },
  });
  new Gauge({
    name: 'paperd_backpressure_paused',
    help: '1 while producers are paused at the high watermark',
    registers: [prom],
    collect() {
      this.set(ingestion.watcher.isPaused ? 1 : 0);
    },
  });
  new Counter({
    name: 'paperd_backpressure_crossings_total',
    help: 'Watermark crossings: paused at the high one, resumed below the low one',
    labelNames: ['direction'],
    registers: [prom],
    collect() {
      this.reset();
      this.inc({ direction: 'paused' }, ingestion.watcher.crossings.paused);
      this.inc({ direction: 'resumed' }, ingestion.watcher.crossings.resumed);
    },
  });
  new Gauge({
    name: 'paperd_jobs',
    help: 'Journal jobs by state and priority (0 hot, 1 normal, 2 offline)',
    labelNames: ['state', 'priority'],
    registers: [prom],
    collect() {
      this.reset();
      for (const c of journal.counts()) this.set({ state: c.state, priority: String(c.priority) }, c.count);
    },
  });
}
