import { PersistentWorker } from '../runtime/persistent-worker.js';
import type { EmbedOptions, Embedder } from './embedder.js';
import type { LsaEmbedder } from './lsa/index.js';

const ENTRY = new URL('./lsa-embed-worker.ts', import.meta.url);

/** @internal what the thread starts with */
export interface LsaEmbedThreadData {
  readonly dataDir: string;
}

/** @internal one batch, as it crosses to the thread */
export interface LsaEmbedRequest {
  readonly fitId: string;
  readonly texts: readonly string[];
}

/**
 * The thread that embeds background batches with a data dir's LSA fits. A batch of 500 papers
 * costs over 100 ms of CPU: on the event loop, sliced as it was, it still took a core from the
 * searches of an import (a fifth of the event loop's time, measured at 1.5M papers); in this
 * thread it runs at the lower priority of batch work. It loads a fit from the model store the
 * first time a batch names it.
 */
export class LsaEmbedThread {
  private readonly thread: PersistentWorker<LsaEmbedRequest, Float32Array[]>;

  constructor(dataDir: string) {
    this.thread = new PersistentWorker(ENTRY, 'the embedding thread', { workerData: { dataDir } satisfies LsaEmbedThreadData });
  }

  /** `model` as an embedder whose background batches run in this thread. */
  embedderFor(model: LsaEmbedder): Embedder {
    return new LsaBatchEmbedder(model, this.thread);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}

/** An LSA fit whose queries (`online`) embed here and whose batches embed in the thread. */
class LsaBatchEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;

  constructor(private readonly model: LsaEmbedder, private readonly thread: PersistentWorker<LsaEmbedRequest, Float32Array[]>) {
    this.name = model.name;
    this.dimensions = model.dimensions;
  }

  embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    // A query is one short text: sending it over would cost more than embedding it.
    if (options.priority === 'online' || texts.length === 0) return this.model.embed(texts);
    return this.thread.request({ fitId: this.model.fitId, texts });
  }
}
