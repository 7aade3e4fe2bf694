import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { HashEmbedder } from '../src/embedding/hash-embedder.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { ChunkSync } from '../src/storage/chunk-sync.js';
import { VectorStore } from '../src/storage/lancedb/vector-store.js';
import { PaperChunks } from '../src/storage/sqlite/chunks.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';
import { WriteGate } from '../src/storage/sqlite/write-gate.js';
import { samplePaper } from './support/sample-papers.js';

describe('chunk sync', () => {
  const embedder = new HashEmbedder({ dimensions: 32 });
  let dir: string;
  let db: Database;
  let vectors: VectorStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-chunk-sync-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    vectors = await VectorStore.open(path.join(dir, 'lancedb'), embedder.dimensions, { table: 'chunks' });
  });

  afterEach(() => {
    vectors.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes chunk vectors once the searches in flight have settled, as vector sync does', async () => {
    // A bound far past the test: only the search settling lets the write go.
    const gate = new WriteGate(new SharedArrayBuffer(12), 60_000);
    const sync = new ChunkSync(db, vectors, () => embedder, gate);
    const paper = samplePaper(1);
    new PaperStore(db, new ManualClock(1_700_000_000_000)).upsertMany([paper]);
    db.prepare("UPDATE papers SET text_status = 'extracted' WHERE id = ?").run(paper.id);
    new PaperChunks(db).replace(paper.id, [
      { index: 0, text: 'Attention is computed over every pair of tokens.' },
      { index: 1, text: 'Sparse attention keeps a few pairs per token.' },
    ]);

    let settle!: () => void;
    const search = gate.searching(() => new Promise<void>((resolve) => (settle = resolve)));
    const draining = sync.drainOnce();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await vectors.count(), 'written while a search was in flight').to.equal(0);
    expect(sync.lag()).to.be.greaterThan(0);

    settle();
    await search;
    expect(await draining).to.be.greaterThan(0);
    expect((await vectors.ids()).sort()).to.deep.equal([`${paper.id}#0`, `${paper.id}#1`]);
    expect(sync.lag()).to.equal(0);
  });
});
