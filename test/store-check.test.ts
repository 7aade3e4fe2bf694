import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { HashEmbedder } from '../src/embedding/hash-embedder.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { VectorStore } from '../src/storage/lancedb/vector-store.js';
import { checkStores } from '../src/storage/sqlite/check.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { Journal } from '../src/storage/sqlite/journal.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';
import { VectorSync } from '../src/storage/vector-sync.js';

function paper(i: number): PaperRecord {
  return {
    id: `2401.${String(i).padStart(5, '0')}`,
    version: 1,
    title: `Paper ${i}`,
    abstract: `About thing ${i}.`,
    authors: [],
    categories: ['cs.LG'],
    source: 'arxiv-api',
  };
}

describe('store consistency check', () => {
  const embedder = new HashEmbedder({ dimensions: 16 });
  const now = 1_700_000_000_000;
  let dir: string;
  let db: Database;
  let vectors: VectorStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    vectors = await VectorStore.open(path.join(dir, 'lancedb'), embedder.dimensions);
    new PaperStore(db, new ManualClock(now)).upsertMany(Array.from({ length: 20 }, (_, i) => paper(i)));
    await new VectorSync({ db, vectors, embedder }).drainAll();
  });

  afterEach(() => {
    vectors.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const check = () => checkStores(db, vectors, { now });

  it('reports ok when papers, FTS, vectors and the journal agree', async () => {
    expect(await check()).to.deep.equal({
      ok: true,
      papers: 20,
      fts: 20,
      fts_integrity: 'ok',
      vectors: 20,
      duplicates: 0,
      missing_in_vectors: 0,
      orphan_vectors: 0,
      stuck_jobs: 0,
      outbox_lag: 0,
      samples: { duplicates: [], missing_in_vectors: [], orphan_vectors: [] },
    });
  });

  it('reports a deleted vector as missing', async () => {
    await vectors.delete([paper(3).id]);
    const result = await check();
    expect(result).to.include({ ok: false, papers: 20, vectors: 19, missing_in_vectors: 1, orphan_vectors: 0, duplicates: 0 });
    expect(result.samples.missing_in_vectors).to.deep.equal([paper(3).id]);
  });

  it('reports a vector of no paper as an orphan', async () => {
    await vectors.upsert([{ id: 'ghost', vector: embedder.embedOne('ghost'), embedder: embedder.name, updated: new Date(now).toISOString() }]);
    const result = await check();
    expect(result).to.include({ ok: false, vectors: 21, missing_in_vectors: 0, orphan_vectors: 1 });
    expect(result.samples.orphan_vectors).to.deep.equal(['ghost']);
  });

  it('reports an id stored twice in LanceDB as a duplicate', async () => {
    // Plain appends can duplicate an id; vector sync's mergeInsert never does.
    const raw = await (await import('@lancedb/lancedb')).connect(path.join(dir, 'lancedb'));
    const table = await raw.openTable('papers');
    await table.add([{ id: paper(4).id, vector: embedder.embedOne('again'), embedder: embedder.name, updated: 'x' }]);
    table.close();
    raw.close();
    const result = await check();
    expect(result).to.include({ ok: false, vectors: 21, duplicates: 1, missing_in_vectors: 0, orphan_vectors: 0 });
    expect(result.samples.duplicates).to.deep.equal([paper(4).id]);
  });

  it('reports an FTS index that lost a paper: count and integrity check both disagree', async () => {
    const row = db.prepare(`SELECT seq, title, abstract, body FROM papers WHERE id = ?`).get(paper(2).id) as { seq: number; title: string; abstract: string; body: null };
    db.prepare(`INSERT INTO papers_fts (papers_fts, rowid, title, abstract, body) VALUES ('delete', ?, ?, ?, ?)`).run(row.seq, row.title, row.abstract, row.body);
    const result = await check();
    expect(result).to.include({ ok: false, papers: 20, fts: 19 });
    expect(result.fts_integrity).to.not.equal('ok');
  });

  it('reports stuck jobs, and outbox lag without calling it a disagreement by itself', async () => {
    const journal = new Journal(db, new ManualClock(now - 3_600_000));
    journal.accept('ingest', 'k', null);
    journal.claim('crashed', 1, 1_000);
    new PaperStore(db, new ManualClock(now)).upsertVersion({ ...paper(1), version: 2, title: 'Renamed' });
    const result = await check();
    expect(result).to.include({ ok: false, stuck_jobs: 1, outbox_lag: 1, missing_in_vectors: 0 });
  });
});
