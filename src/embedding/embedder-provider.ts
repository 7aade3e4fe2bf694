import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { EmbeddedModelStore } from './embedded-model-store.js';
import type { Embedder } from './embedder.js';
import { HashEmbedder } from './hash-embedder.js';
import { BadInputError, EmbedderFitError } from '../errors.js';
import { fitLsaInWorker } from './fit-lsa-in-worker.js';
import { LsaEmbedThread } from './lsa-batch-embedder.js';
import { shouldRefit, type LsaEmbedder } from './lsa/index.js';

/** Vectors of every embedder paperd runs have this many dimensions: one LanceDB schema for all. */
export const EMBEDDING_DIMENSIONS = 256;

/** What `refitIfDue` did. */
export type RefitOutcome = { readonly refitted: false; readonly papers: number } | { readonly refitted: true; readonly papers: number; readonly embedder: string; readonly fitMs: number };

/**
 * The embedded embedder of a data dir, as of now: the active LSA model learned from the corpus,
 * or, before the corpus is big enough to learn from, the hash embedder. Refitting swaps it and
 * queues every paper for re-embedding through the outbox, so the vector side converges on the
 * new model (and a crash mid-way resumes with it, as the new fit is active at once).
 */
export class EmbedderProvider {
  // Aborted by `close`: stops the fits in progress and refuses new ones.
  private readonly closing = new AbortController();
  private readonly batchThread: LsaEmbedThread;
  private batchEmbedder: Embedder;

  private constructor(private readonly dataDir: string, private readonly models: EmbeddedModelStore, private embedder: Embedder) {
    this.batchThread = new LsaEmbedThread(dataDir);
    this.batchEmbedder = this.forBatchesOf(embedder);
  }

  static async open(dataDir: string): Promise<EmbedderProvider> {
    const models = new EmbeddedModelStore(dataDir);
    return new EmbedderProvider(dataDir, models, (await models.loadActive()) ?? new HashEmbedder({ dimensions: EMBEDDING_DIMENSIONS }));
  }

  current(): Embedder {
    return this.embedder;
  }

  /**
   * The current embedder for background batches (vector and chunk sync): the same vectors, but an
   * LSA fit embeds them in a thread of its own (`LsaEmbedThread`), off the event loop.
   */
  forBatches(): Embedder {
    return this.batchEmbedder;
  }

  private forBatchesOf(embedder: Embedder): Embedder {
    return 'fitId' in embedder ? this.batchThread.embedderFor(embedder as LsaEmbedder) : embedder;
  }

  /** Papers the current model was fitted on (0 for the hash embedder). */
  fittedOn(): number {
    return 'fittedOn' in this.embedder ? (this.embedder as LsaEmbedder).fittedOn : 0;
  }

  /**
   * Fits a new model on the papers' titles and abstracts when the corpus has outgrown the current
   * one (`shouldRefit`), activates it, and appends an outbox row for every paper. The fit (seconds
   * to minutes of CPU) runs in a worker thread that reads the papers from `db`'s file, so the event
   * loop stays free; the current embedder serves until the new one is active.
   * @throws BadInputError for an in-memory `db`, which the worker cannot open
   * @throws the worker's error when the fit fails other than for an unlearnable corpus; the
   *   current embedder stays
   * @throws `signal.reason`, or an `AbortError` after `close`, when the fit is stopped before the
   *   new model is active; the current embedder stays
   */
  async refitIfDue(db: Database, log: Logger, options: { force?: boolean; signal?: AbortSignal } = {}): Promise<RefitOutcome> {
    const papers = (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    if (!options.force && !shouldRefit(this.fittedOn(), papers)) return { refitted: false, papers };
    if (db.memory) throw new BadInputError('the embedded model is fitted in a worker thread that reads the papers from the database file; an in-memory database has none');
    const signal = options.signal ? AbortSignal.any([this.closing.signal, options.signal]) : this.closing.signal;
    const t0 = performance.now();
    let fitId: string;
    try {
      ({ fitId } = await fitLsaInWorker({ database: db.name, dataDir: this.dataDir, options: { dimensions: EMBEDDING_DIMENSIONS } }, signal));
    } catch (error) {
      // A corpus the model cannot learn from (say, every word in most papers) keeps the current
      // embedder: vectors stay consistent, and the next check tries again.
      if (!(error instanceof EmbedderFitError)) throw error;
      log.warn({ err: error, papers }, 'embedded model not refitted; keeping the current embedder');
      return { refitted: false, papers };
    }
    // Loading checks the file the worker wrote against its fit id.
    const model = await this.models.load(fitId);
    // Stopped while it loaded: the data dir is closing, so the old model stays the active one.
    signal.throwIfAborted();
    await this.models.activate(model.fitId);
    this.embedder = model;
    this.batchEmbedder = this.forBatchesOf(model);
    const now = Date.now();
    db.prepare(`INSERT INTO outbox (paper_id, op, created_at) SELECT id, 'upsert', ? FROM papers ORDER BY seq`).run(now);
    const fitMs = Math.round(performance.now() - t0);
    log.info({ embedder: model.name, papers, fitMs }, 'embedded model refitted; every paper queued for re-embedding');
    return { refitted: true, papers, embedder: model.name, fitMs };
  }

  /**
   * Stops a fit in progress (its worker is terminated and its `refitIfDue` rejects, the current
   * embedder kept) and refuses later ones. The current embedder still serves.
   */
  close(): void {
    this.closing.abort();
  }

  /** Ends the thread that embeds batches; the store closing calls it, once its writers stopped. */
  closeBatchThread(): Promise<void> {
    return this.batchThread.close();
  }
}
