import type { Database, Statement } from 'better-sqlite3';
import type { Embedder } from '../embedding/embedder.js';
import type { VectorStore } from './lancedb/vector-store.js';
import { PaperChunks } from './sqlite/chunks.js';
import { Outbox } from './sqlite/outbox.js';
import { inTurn, type WriteGate } from './sqlite/write-gate.js';

/** The outbox consumer that keeps LanceDB's `chunks` table in step. */
export const CHUNK_VECTORS_CONSUMER = 'lancedb.chunks';

/** The LanceDB id of a chunk: `<paper>#<index>`, so a paper's chunks share a prefix. */
export function chunkId(paperId: string, idx: number): string {
  return `${paperId}#${idx}`;
}

/**
 * Keeps the chunk vectors in step with `paper_chunks`, draining the outbox in order after its own
 * cursor: for each paper in a batch, its chunk rows are deleted and written anew, then the cursor
 * moves. Replaying a batch after a crash deletes and writes the same rows again: harmless.
 */
export class ChunkSync {
  private readonly outbox: Outbox;
  private readonly chunks: PaperChunks;
  private readonly neverExtracted: Statement<[string]>;
  private running: Promise<unknown> = Promise.resolve();

  constructor(db: Database, private readonly vectors: VectorStore, private readonly embedder: () => Embedder, private readonly writeGate?: WriteGate) {
    this.outbox = new Outbox(db);
    this.neverExtracted = db.prepare(`SELECT id FROM papers WHERE id IN (SELECT value FROM json_each(?)) AND text_status = 'none'`);
    this.chunks = new PaperChunks(db);
    this.outbox.register(CHUNK_VECTORS_CONSUMER);
  }

  /** Applies the next batch of outbox rows; returns how many it consumed (0: nothing pending). */
  drainOnce(maxBatch = 512): Promise<number> {
    const run = this.running.then(() => this.applyBatch(maxBatch));
    this.running = run.catch(() => undefined);
    return run;
  }

  lag(): number {
    return this.outbox.lag(CHUNK_VECTORS_CONSUMER);
  }

  private async applyBatch(maxBatch: number): Promise<number> {
    const entries = this.outbox.after(this.outbox.cursor(CHUNK_VECTORS_CONSUMER), Math.max(1, maxBatch));
    const last = entries.at(-1);
    if (!last) return 0;
    const ids = [...new Set(entries.map((e) => e.paperId))];
    const chunks = this.chunks.of(ids);
    // Papers whose text was never extracted have no chunk rows to replace: most of a
    // metadata-only import needs no LanceDB round trip.
    const untouched = new Set((this.neverExtracted.all(JSON.stringify(ids)) as { id: string }[]).map((r) => r.id));
    const stale = ids.filter((id) => !untouched.has(id));
    // Embedding and LanceDB's writes run at full priority on the cores searches use: they wait for
    // the searches in flight (for a bounded time), as vector sync does.
    if (stale.length > 0 || chunks.length > 0) await this.writeGate?.searchesSettled();
    if (stale.length > 0) await this.vectors.deleteByPrefix(stale.map((id) => `${id}#`));
    if (chunks.length > 0) {
      const embedder = this.embedder();
      const vectors = await embedder.embed(chunks.map((c) => c.text));
      await this.vectors.upsert(chunks.map((c, i) => ({ id: chunkId(c.paperId, c.idx), vector: vectors[i]!, embedder: embedder.name, updated: '' })));
    }
    await inTurn(this.writeGate, () => this.outbox.advance(CHUNK_VECTORS_CONSUMER, last.seq));
    return entries.length;
  }
}
