// The fallback enricher's thread (started through typescript-worker.mjs by FallbackEnricher):
// answers each paper with the embedded fallback's result, or with the error it threw.
import { answerRequests } from '../runtime/persistent-worker.js';
import { fallbackEnrichment } from './fallback.js';
import type { EnrichmentInput } from './paper-input.js';

answerRequests((paper: EnrichmentInput) => fallbackEnrichment(paper));
