// The fallback enricher's thread (started through typescript-worker.mjs by FallbackEnricher):
// answers each request with the embedded fallback's result, or with the error it threw.
import { parentPort } from 'node:worker_threads';
import { fallbackEnrichment } from './fallback.js';
import type { FallbackReply, FallbackRequest } from './fallback-enricher.js';

parentPort!.on('message', (request: FallbackRequest) => {
  let reply: FallbackReply;
  try {
    reply = { id: request.id, result: fallbackEnrichment(request.paper) };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    reply = { id: request.id, error: { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) } };
  }
  parentPort!.postMessage(reply);
});
