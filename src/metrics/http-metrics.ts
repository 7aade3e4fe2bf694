import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry as PromRegistry } from 'prom-client';

const SEARCH_ROUTE = '/v1/search';
const WEBHOOK_ROUTES: Record<string, string> = { '/v1/webhooks/github': 'github', '/v1/webhooks/huggingface': 'huggingface' };

/**
 * Request timing and outcomes seen from the API's hooks, so routes stay free of metrics code:
 * every route's latency, search latency by mode, and webhook deliveries by outcome (accepted,
 * duplicate, ignored; refused with the status). Call before the API listens.
 */
export function instrumentApi(app: FastifyInstance, prom: PromRegistry): void {
  const requests = new Histogram({
    name: 'paperd_http_request_duration_seconds', help: 'API requests, received to response sent, by route, method and status class',
    labelNames: ['route', 'method', 'status'], registers: [prom],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  const search = new Histogram({
    name: 'paperd_search_duration_seconds', help: 'Search requests answered 200, by mode (hybrid, bm25, vector)',
    labelNames: ['mode'], registers: [prom],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const webhooks = new Counter({
    name: 'paperd_webhook_deliveries_total', help: 'Webhook deliveries by provider and outcome: accepted, duplicate (deduped), ignored, refused',
    labelNames: ['provider', 'outcome', 'status'], registers: [prom],
  });
  // Set in onSend (where the body is seen) and read in onResponse, per request.
  const outcomes = new WeakMap<object, string>();

  app.addHook('onSend', async (req, reply, payload) => {
    const provider = WEBHOOK_ROUTES[req.routeOptions.url ?? ''];
    if (!provider) return payload;
    let outcome = 'refused';
    if (reply.statusCode < 300 && typeof payload === 'string') {
      const match = /"status"\s*:\s*"(accepted|duplicate|ignored)"/.exec(payload);
      outcome = match?.[1] ?? 'accepted';
    }
    outcomes.set(req, outcome);
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    requests.observe({ route, method: req.method, status: `${Math.floor(reply.statusCode / 100)}xx` }, seconds);
    if (route === SEARCH_ROUTE && reply.statusCode === 200) {
      const mode = (req.query as { mode?: string } | undefined)?.mode ?? 'hybrid';
      search.observe({ mode }, seconds);
    }
    const provider = WEBHOOK_ROUTES[route];
    if (provider) webhooks.inc({ provider, outcome: outcomes.get(req) ?? 'refused', status: String(reply.statusCode) });
  });
}
