import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { EmbeddedModelStore } from './embedded-model-store.js';
import type { Embedder } from './embedder.js';
import { HashEmbedder } from './hash-embedder.js';
import { EmbedderFitError } from '../errors.js';
import { fitLsa, shouldRefit, type LsaEmbedder } from './lsa/index.js';

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
  private constructor(private readonly models: EmbeddedModelStore, private embedder: Embedder) {}

  static async open(dataDir: string): Promise<EmbedderProvider> {
    const models = new EmbeddedModelStore(dataDir);
    return new EmbedderProvider(models, (await models.loadActive()) ?? new HashEmbedder({ dimensions: EMBEDDING_DIMENSIONS }));
  }

  current(): Embedder {
    return this.embedder;
  }

  /** Papers the current model was fitted on (0 for the hash embedder). */
  fittedOn(): number {
    return 'fittedOn' in this.embedder ? (this.embedder as LsaEmbedder).fittedOn : 0;
  }

  /**
   * Fits a new model on the papers' titles and abstracts when the corpus has outgrown the current
   * one (`shouldRefit`), activates it, and appends an outbox row for every paper. Blocking CPU
   * work: seconds for tens of thousands of papers.
   */
  async refitIfDue(db: Database, log: Logger, options: { force?: boolean } = {}): Promise<RefitOutcome> {
    const papers = (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    if (!options.force && !shouldRefit(this.fittedOn(), papers)) return { refitted: false, papers };
    const t0 = performance.now();
    const texts = (function* () {
      for (const row of db.prepare('SELECT title, abstract FROM papers ORDER BY seq').iterate() as Iterable<{ title: string; abstract: string }>) {
        yield `${row.title}\n\n${row.abstract}`;
      }
    })();
    let model: LsaEmbedder;
    try {
      model = await fitLsa(texts, { dimensions: EMBEDDING_DIMENSIONS });
    } catch (error) {
      // A corpus the model cannot learn from (say, every word in most papers) keeps the current
      // embedder: vectors stay consistent, and the next check tries again.
      if (!(error instanceof EmbedderFitError)) throw error;
      log.warn({ err: error, papers }, 'embedded model not refitted; keeping the current embedder');
      return { refitted: false, papers };
    }
    await this.models.save(model);
    await this.models.activate(model.fitId);
    this.embedder = model;
    const now = Date.now();
    db.prepare(`INSERT INTO outbox (paper_id, op, created_at) SELECT id, 'upsert', ? FROM papers ORDER BY seq`).run(now);
    const fitMs = Math.round(performance.now() - t0);
    log.info({ embedder: model.name, papers, fitMs }, 'embedded model refitted; every paper queued for re-embedding');
    return { refitted: true, papers, embedder: model.name, fitMs };
  }
}
