import { WriterThread } from '../storage/sqlite/writer-thread.js';
import type { WriteGate } from '../storage/sqlite/write-gate.js';
import type { FallbackEnrichOutcome, FallbackEnrichRequest } from './fallback-enrichment-batches.js';

const ENTRY = new URL('./fallback-enrichment-worker.ts', import.meta.url);

/** The enricher's steps when no LLM is configured, in a thread of their own (`FallbackEnrichmentBatches`). */
export class FallbackEnrichmentWriter extends WriterThread<FallbackEnrichRequest, FallbackEnrichOutcome> {
  constructor(file: string, gate: WriteGate) {
    super(ENTRY, 'the enrichment writer', file, gate);
  }
}
