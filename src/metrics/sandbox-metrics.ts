import type { Database } from 'better-sqlite3';
import { Counter, Gauge, Histogram, type Registry as PromRegistry } from 'prom-client';
import type { RunnerEvent } from '../sandbox/runner.js';

/** How a program that ran ended: exit 0, another exit code (or a signal), or killed at its time limit. */
export function sandboxOutcome(event: Extract<RunnerEvent, { type: 'finished' }>): 'ok' | 'exit-nonzero' | 'timed-out' {
  if (event.timedOut) return 'timed-out';
  return event.exitCode === 0 ? 'ok' : 'exit-nonzero';
}

/**
 * Sandbox runs: programs that ran, by outcome, and how long they ran (from the runner's events);
 * runs now running or queued; and the kept runs by status (from SQLite, so a run the runner could
 * not start, which emits no `finished`, shows as `failed`).
 */
export function registerSandboxMetrics(
  prom: PromRegistry,
  runner: { inspect(observer: (e: RunnerEvent) => void): () => void; stats(): { running: number; queued: number; pooled: number } },
  db: Database,
): () => void {
  const runs = new Counter({ name: 'paperd_sandbox_runs_total', help: 'Programs run in the sandbox, by outcome: ok, exit-nonzero, timed-out', labelNames: ['outcome'], registers: [prom] });
  const duration = new Histogram({
    name: 'paperd_sandbox_run_duration_seconds', help: 'Time a sandboxed program ran, by outcome', labelNames: ['outcome'], registers: [prom],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  });
  new Gauge({
    name: 'paperd_sandbox_containers', help: 'Sandbox containers: running a program, waiting for a place (queued), started ahead (pooled)', labelNames: ['state'], registers: [prom],
    collect() {
      const s = runner.stats();
      this.set({ state: 'running' }, s.running);
      this.set({ state: 'queued' }, s.queued);
      this.set({ state: 'pooled' }, s.pooled);
    },
  });
  const byStatus = db.prepare('SELECT status, count(*) AS n FROM sandbox_runs GROUP BY status');
  new Gauge({
    name: 'paperd_sandbox_kept_runs', help: 'Runs kept in SQLite, by status: running, finished, failed (the runner could not run it)', labelNames: ['status'], registers: [prom],
    collect() {
      this.reset();
      for (const r of byStatus.all() as { status: string; n: number }[]) this.set({ status: r.status }, r.n);
    },
  });
  return runner.inspect((e) => {
    if (e.type !== 'finished') return;
    const outcome = sandboxOutcome(e);
    runs.inc({ outcome });
    duration.observe({ outcome }, e.durationMs / 1000);
  });
}
