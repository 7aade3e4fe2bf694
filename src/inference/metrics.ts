import { Counter, Gauge, Histogram, type Registry as PromRegistry } from 'prom-client';
import type { LlmRouter } from './router.js';

const STATES = ['up', 'cooling', 'down'] as const;

/**
 * The router's Prometheus metrics: attempts and errors per endpoint, their latency and time to
 * first token, tokens used, requests by outcome, and each endpoint's state, slots in use and line. Returns the
 * unsubscribe from the router's events.
 */
export function registerLlmMetrics(prom: PromRegistry, router: LlmRouter): () => void {
  const attempts = new Counter({ name: 'paperd_llm_attempts_total', help: 'Attempts at each endpoint, by outcome (ok, a failure type, abandoned)', labelNames: ['endpoint', 'outcome'], registers: [prom] });
  const errors = new Counter({ name: 'paperd_llm_errors_total', help: 'Failed attempts at each endpoint, by failure type', labelNames: ['endpoint', 'type'], registers: [prom] });
  const latency = new Histogram({
    name: 'paperd_llm_attempt_duration_seconds', help: 'Successful attempts, request sent to last byte', labelNames: ['endpoint'], registers: [prom],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  });
  const ttft = new Histogram({
    name: 'paperd_llm_first_token_seconds', help: 'Time to first token of streamed chat attempts (a whole answer asked as JSON shows none)', labelNames: ['endpoint'], registers: [prom],
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
  });
  const tokens = new Counter({
    name: 'paperd_llm_tokens_total', help: 'Tokens each endpoint said it used (the usage of its answers), prompt and completion', labelNames: ['endpoint', 'kind'], registers: [prom],
  });
  const requests = new Counter({ name: 'paperd_llm_requests_total', help: 'Requests to the router, by kind, priority and outcome', labelNames: ['kind', 'priority', 'outcome'], registers: [prom] });
  new Gauge({
    name: 'paperd_llm_endpoint_state', help: '1 for the state each endpoint is in (up, cooling, down), 0 for the others', labelNames: ['endpoint', 'state'], registers: [prom],
    collect() {
      for (const e of router.snapshot().endpoints) for (const s of STATES) this.set({ endpoint: e.name, state: s }, e.state === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'paperd_llm_in_flight', help: 'Requests each endpoint is answering now', labelNames: ['endpoint'], registers: [prom],
    collect() {
      for (const e of router.snapshot().endpoints) this.set({ endpoint: e.name }, e.inFlight);
    },
  });
  new Gauge({
    name: 'paperd_llm_queued', help: 'Requests waiting for a slot at each endpoint, by priority', labelNames: ['endpoint', 'priority'], registers: [prom],
    collect() {
      for (const e of router.snapshot().endpoints) {
        this.set({ endpoint: e.name, priority: 'online' }, e.queued.online);
        this.set({ endpoint: e.name, priority: 'offline' }, e.queued.offline);
      }
    },
  });
  return router.inspect((event) => {
    switch (event.type) {
      case 'attempt':
        attempts.inc({ endpoint: event.endpoint, outcome: event.outcome });
        if (event.outcome === 'ok') latency.observe({ endpoint: event.endpoint }, event.durationMs / 1000);
        else if (event.outcome !== 'abandoned') errors.inc({ endpoint: event.endpoint, type: event.outcome });
        if (event.firstTokenMs !== null) ttft.observe({ endpoint: event.endpoint }, event.firstTokenMs / 1000);
        if (event.usage) {
          tokens.inc({ endpoint: event.endpoint, kind: 'prompt' }, event.usage.prompt);
          tokens.inc({ endpoint: event.endpoint, kind: 'completion' }, event.usage.completion);
        }
        return;
      case 'request':
        requests.inc({ kind: event.kind, priority: event.priority, outcome: event.outcome });
        return;
      case 'state':
      case 'probe':
        return;
    }
  });
}
