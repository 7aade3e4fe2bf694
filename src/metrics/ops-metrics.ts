import type { Database } from 'better-sqlite3';
import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { Alert } from '../ops/alerts/types.js';
import { announcementLagMs } from '../ops/alerts/rules.js';
import type { ArxivRateLimiter } from '../sources/arxiv/rate-limiter.js';

/** arXiv: requests sent by priority, time spent waiting for the limiter, its queue; the last announcement and its lag. */
export function registerArxivMetrics(prom: PromRegistry, limiter: ArxivRateLimiter, lastAnnouncementMs: (() => number | undefined) | undefined, now: () => number): void {
  new Counter({
    name: 'paperd_arxiv_requests_total', help: 'Requests sent to arXiv (API, listings, OAI-PMH, PDFs) through the one rate limiter, by priority',
    labelNames: ['priority'], registers: [prom],
    collect() {
      this.reset();
      for (const [priority, n] of Object.entries(limiter.stats().requestsByPriority)) this.inc({ priority }, n);
    },
  });
  new Counter({
    name: 'paperd_arxiv_limiter_wait_seconds_total', help: 'Time requests waited for their turn at the arXiv rate limiter (one request every 3 s)', registers: [prom],
    collect() {
      this.reset();
      this.inc(limiter.stats().totalWaitMs / 1000);
    },
  });
  new Gauge({
    name: 'paperd_arxiv_limiter_queued', help: 'Requests waiting for the arXiv rate limiter now', registers: [prom],
    collect() {
      this.set(limiter.stats().queued);
    },
  });
  if (!lastAnnouncementMs) return;
  new Gauge({
    name: 'paperd_arxiv_last_announcement_timestamp_seconds', help: 'The last arXiv announcement ingested completely (absent before the first)', registers: [prom],
    collect() {
      this.reset();
      const last = lastAnnouncementMs();
      if (last !== undefined) this.set(last / 1000);
    },
  });
  new Gauge({
    name: 'paperd_arxiv_announcement_lag_seconds', help: 'Time since the first announcement not ingested yet was published; 0 when caught up', registers: [prom],
    collect() {
      this.reset();
      const last = lastAnnouncementMs();
      if (last !== undefined) this.set(announcementLagMs(last, now()) / 1000);
    },
  });
}

/** Journal jobs by kind (ingest, fetch-pdf, extract, enrich, webhook, and the offline classes) and state. */
export function registerJobKindMetrics(prom: PromRegistry, db: Database): void {
  const byKind = db.prepare('SELECT kind, state, sum(n) AS n FROM job_counts WHERE n > 0 GROUP BY kind, state');
  new Gauge({
    name: 'paperd_jobs_by_kind', help: 'Journal jobs by kind and state', labelNames: ['kind', 'state'], registers: [prom],
    collect() {
      this.reset();
      for (const r of byKind.all() as { kind: string; state: string; n: number }[]) this.set({ kind: r.kind, state: r.state }, r.n);
    },
  });
}

/** Alerts firing now, by rule and severity (what Prometheus sees of the built-in rules). */
export function registerAlertMetrics(prom: PromRegistry, firing: () => readonly Alert[]): void {
  new Gauge({
    name: 'paperd_alerts_firing', help: 'Built-in alerts firing on this node, by rule, subject and severity', labelNames: ['rule', 'subject', 'severity'], registers: [prom],
    collect() {
      this.reset();
      for (const a of firing()) this.set({ rule: a.rule, subject: a.subject, severity: a.severity }, 1);
    },
  });
}

/** Elastic pools (fetcher, extractor, enricher when pooled): workers working now, their bounds, the backlog they follow. */
export function registerPoolMetrics(prom: PromRegistry, pools: readonly { readonly name: string; readonly size: number; readonly bounds: { min: number; max: number }; readonly depth: number; readonly resizes: { grew: number; shrank: number } }[]): void {
  new Gauge({
    name: 'paperd_pool_workers', help: 'Workers of each elastic pool: working now (size), and its min and max', labelNames: ['pool', 'bound'], registers: [prom],
    collect() {
      this.reset();
      for (const p of pools) {
        this.set({ pool: p.name, bound: 'size' }, p.size);
        this.set({ pool: p.name, bound: 'min' }, p.bounds.min);
        this.set({ pool: p.name, bound: 'max' }, p.bounds.max);
      }
    },
  });
  new Gauge({
    name: 'paperd_pool_depth', help: 'Jobs waiting for each elastic pool, as it last read them', labelNames: ['pool'], registers: [prom],
    collect() {
      this.reset();
      for (const p of pools) this.set({ pool: p.name }, p.depth);
    },
  });
  new Counter({
    name: 'paperd_pool_resizes_total', help: 'Times each elastic pool grew or shrank', labelNames: ['pool', 'direction'], registers: [prom],
    collect() {
      this.reset();
      for (const p of pools) {
        this.inc({ pool: p.name, direction: 'grew' }, p.resizes.grew);
        this.inc({ pool: p.name, direction: 'shrank' }, p.resizes.shrank);
      }
    },
  });
}
