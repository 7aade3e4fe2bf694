import { BadInputError } from '../errors.js';
import { PersistentWorker } from '../runtime/persistent-worker.js';
import { rebuiltError } from '../runtime/run-in-worker.js';
import type { EnrichmentInput } from './paper-input.js';
import type { EnrichmentResult } from './schema.js';

const ENTRY = new URL('./fallback-worker.ts', import.meta.url);

/** The fallback reads the beginning of a paper's full text only; the rest need not cross threads. */
const BODY_CHARS = 40_000;

/**
 * The embedded fallback enrichment (`fallbackEnrichment`) in a worker thread. It costs a few
 * milliseconds of CPU a paper (keyphrases, sentence scoring, dataset and code-link extraction):
 * an import of thousands of papers without an LLM would otherwise spend most of the node's event
 * loop on it, and the API's requests would wait. The thread starts on first use and again after
 * it dies (the requests it held fail, and their jobs are retried).
 */
export class FallbackEnricher {
  // The fallback refuses a paper with nothing to summarise: the same error class as in-thread.
  private readonly thread = new PersistentWorker<EnrichmentInput, EnrichmentResult>(ENTRY, 'the fallback enricher', {
    rebuild: (failure) => (failure.name === 'BadInputError' ? new BadInputError(failure.message) : rebuiltError(failure)),
  });

  enrich(paper: EnrichmentInput): Promise<EnrichmentResult> {
    const input: EnrichmentInput = {
      id: paper.id, title: paper.title, abstract: paper.abstract,
      ...(paper.categories ? { categories: [...paper.categories] } : {}),
      ...(paper.primaryCategory !== undefined ? { primaryCategory: paper.primaryCategory } : {}),
      ...(paper.comment !== undefined ? { comment: paper.comment } : {}),
      ...(paper.body ? { body: paper.body.slice(0, BODY_CHARS) } : {}),
    };
    return this.thread.request(input);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
