import type { PaperRecord } from '../protocols/paper.js';

/**
 * The kinds of journal job the pipeline runs, each claimed by its own stage, and their payloads.
 * A stage's effects and the next stage's job are committed in one transaction with the job's
 * completion: at-least-once delivery, exactly-once effects.
 */
export const JOB = {
  /** A paper version to index (payload: PaperRecord). */
  ingest: 'ingest',
  /** A PDF to download (payload: FetchPdfPayload). */
  fetchPdf: 'fetch-pdf',
  /** A stored PDF to read the text of (payload: ExtractPayload). */
  extract: 'extract',
  /** A paper version to summarise, tag and mine for entities (payload: EnrichPayload). */
  enrich: 'enrich',
  /** A GitHub or Hugging Face webhook delivery to turn into graph facts (payload: WebhookJobPayload, src/webhooks). */
  webhook: 'webhook',
} as const;

export interface EnrichPayload {
  readonly id: string;
  readonly version: number;
}

export interface FetchPdfPayload {
  readonly id: string;
  readonly version: number;
}

export interface ExtractPayload {
  readonly id: string;
  readonly version: number;
  readonly sha256: string;
}

/** Only arXiv papers have a PDF at arXiv. */
export function hasArxivPdf(record: PaperRecord): boolean {
  return record.source !== 'beir' && !record.id.includes(':');
}
