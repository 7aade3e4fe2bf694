import { Worker } from 'node:worker_threads';
import { BadInputError } from '../errors.js';
import { rebuiltError, WORKER_BOOTSTRAP, type WorkerFailure } from '../runtime/run-in-worker.js';
import type { EnrichmentInput } from './paper-input.js';
import type { EnrichmentResult } from './schema.js';

const ENTRY = new URL('./fallback-worker.ts', import.meta.url);

/** The fallback reads the beginning of a paper's full text only; the rest need not cross threads. */
const BODY_CHARS = 40_000;

/** @internal the worker protocol */
export interface FallbackRequest {
  readonly id: number;
  readonly paper: EnrichmentInput;
}

/** @internal the worker protocol */
export type FallbackReply =
  | { readonly id: number; readonly result: EnrichmentResult }
  | { readonly id: number; readonly error: WorkerFailure };

/**
 * The embedded fallback enrichment (`fallbackEnrichment`) in a worker thread. It costs a few
 * milliseconds of CPU a paper (keyphrases, sentence scoring, dataset and code-link extraction):
 * an import of thousands of papers without an LLM would otherwise spend most of the node's event
 * loop on it, and the API's requests would wait. The thread starts on first use and again after
 * it dies (the requests it held fail, and their jobs are retried).
 */
export class FallbackEnricher {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (r: EnrichmentResult) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;

  enrich(paper: EnrichmentInput): Promise<EnrichmentResult> {
    if (this.closed) return Promise.reject(new Error('the fallback enricher is closed'));
    const worker = this.thread();
    const id = this.nextId++;
    const input: EnrichmentInput = {
      id: paper.id, title: paper.title, abstract: paper.abstract,
      ...(paper.categories ? { categories: [...paper.categories] } : {}),
      ...(paper.primaryCategory !== undefined ? { primaryCategory: paper.primaryCategory } : {}),
      ...(paper.comment !== undefined ? { comment: paper.comment } : {}),
      ...(paper.body ? { body: paper.body.slice(0, BODY_CHARS) } : {}),
    };
    return new Promise<EnrichmentResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, paper: input } satisfies FallbackRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
    this.failAll(new Error('the fallback enricher was closed'));
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_BOOTSTRAP, { workerData: { entry: ENTRY.href } });
    worker.on('message', (reply: FallbackReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ('result' in reply) return waiting.resolve(reply.result);
      // The fallback refuses a paper with nothing to summarise: the same error class as in-thread.
      waiting.reject(reply.error.name === 'BadInputError' ? new BadInputError(reply.error.message) : rebuiltError(reply.error));
    });
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the fallback enricher's thread exited with code ${code}`)));
    // Idle, the thread must not keep a finishing process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(error);
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
