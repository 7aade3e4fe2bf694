// The fallback enricher's thread (started through typescript-worker.mjs by FallbackEnricher):
// answers each request with the embedded fallback's result, or with the error it threw.
import { parentPort } from 'node:worker_threads';
import { failedReply } from '../runtime/run-in-worker.js';
import { fallbackEnrichment } from './fallback.js';
import type { FallbackReply, FallbackRequest } from './fallback-enricher.js';

parentPort!.on('message', (request: FallbackRequest) => {
  let reply: FallbackReply;
  try {
    reply = { id: request.id, result: fallbackEnrichment(request.paper) };
  } catch (error) {
    reply = { id: request.id, error: failedReply(error) };
  }
  parentPort!.postMessage(reply);
});
