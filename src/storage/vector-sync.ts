import type { Database, Statement } from 'better-sqlite3';
import { ConfigError } from '../errors.js';
import type { Embedder } from '../embedding/embedder.js';
import type { VectorRow, VectorStore } from './lancedb/vector-store.js';
import { Outbox, PAPER_VECTORS_CONSUMER } from './sqlite/outbox.js';
import { inTurn, type WriteGate } from './sqlite/write-gate.js';

export { PAPER_VECTORS_CONSUMER };

/** What vector sync needs. */
export interface VectorSyncOptions {
  readonly db: Database;
  readonly vectors: VectorStore;
  /** The embedder as of now: it changes when the embedded model is refitted. */
  readonly embedder: Embedder | (() => Embedder);
  /** Cursor name; one per derived table. */
  readonly consumer?: string;
  /** Shared with the index writer's thread: the cursor moves in the event loop's turn. */
  readonly writeGate?: WriteGate;
  /**
   * Runs after LanceDB acknowledged a batch and before the cursor moves: the window a crash
   * can fall into. Tests throw from it.
   * @internal
   */
  readonly afterVectorWrite?: (batch: { readonly lastSeq: number; readonly ids: readonly string[] }) => void | Promise<void>;
}

/** The text a paper's vector is made from. */
export function paperVectorText(title: string, abstract: string): string {
  return `${title}\n\n${abstract}`;
}

/**
 * Keeps LanceDB in step with SQLite by draining the outbox in order. For each batch it reads
 * the papers' current text (not what the outbox row says happened, so replays and reordered
 * changes converge on the present), embeds, upserts or deletes in LanceDB, and only then moves
 * its durable cursor. A crash in between replays the batch; upserts by id make that harmless.
 */
export class VectorSync {
  private readonly outbox: Outbox;
  private readonly consumer: string;
  private readonly selectTexts: Statement<[string]>;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: VectorSyncOptions) {
    const embedder = this.embedder();
    if (embedder.dimensions !== options.vectors.dimensions) {
      throw new ConfigError(`embedder ${embedder.name} makes ${embedder.dimensions}-dimension vectors; the vector table holds ${options.vectors.dimensions}`);
    }
    this.outbox = new Outbox(options.db);
    this.consumer = options.consumer ?? PAPER_VECTORS_CONSUMER;
    this.outbox.register(this.consumer);
    this.selectTexts = options.db.prepare('SELECT id, title, abstract, updated_at AS updatedAt FROM papers WHERE id IN (SELECT value FROM json_each(?))');
  }

  /**
   * Applies the next batch of at most `maxBatch` outbox rows; returns how many rows it consumed
   * (0: nothing was pending). Calls run one after another, never interleaved.
   */
  drainOnce(maxBatch = 256): Promise<number> {
    const run = this.running.then(() => this.applyBatch(maxBatch));
    this.running = run.catch(() => undefined);
    return run;
  }

  /** Drains until the outbox is empty for this consumer; returns the rows consumed. */
  async drainAll(maxBatch = 256): Promise<number> {
    let total = 0;
    for (let n = await this.drainOnce(maxBatch); n > 0; n = await this.drainOnce(maxBatch)) total += n;
    return total;
  }

  private embedder(): Embedder {
    const e = this.options.embedder;
    return typeof e === 'function' ? e() : e;
  }

  /** Outbox rows not applied yet. */
  lag(): number {
    return this.outbox.lag(this.consumer);
  }

  private async applyBatch(maxBatch: number): Promise<number> {
    const entries = this.outbox.after(this.outbox.cursor(this.consumer), Math.max(1, maxBatch));
    const last = entries.at(-1);
    if (!last) return 0;
    const ids = [...new Set(entries.map((e) => e.paperId))];
    const papers = this.selectTexts.all(JSON.stringify(ids)) as { id: string; title: string; abstract: string; updatedAt: number }[];
    const present = new Set(papers.map((p) => p.id));

    // Embedding and LanceDB's merge run at full priority on the cores searches use: they wait for
    // the searches in flight (for a bounded time) as the batch writers in threads do.
    await this.options.writeGate?.searchesSettled();
    const embedder = this.embedder();
    const vectors = await embedder.embed(papers.map((p) => paperVectorText(p.title, p.abstract)));
    const rows: VectorRow[] = papers.map((p, i) => ({
      id: p.id,
      vector: vectors[i]!,
      embedder: embedder.name,
      updated: new Date(p.updatedAt).toISOString(),
    }));
    await this.options.vectors.upsert(rows);
    await this.options.vectors.delete(ids.filter((id) => !present.has(id)));

    await this.options.afterVectorWrite?.({ lastSeq: last.seq, ids });
    await inTurn(this.options.writeGate, () => this.outbox.advance(this.consumer, last.seq));
    return entries.length;
  }
}
