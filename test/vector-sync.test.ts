import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { HashEmbedder } from '../src/embedding/hash-embedder.js';
import { ConfigError, InjectedCrashError, VectorSchemaMismatchError } from '../src/errors.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { VectorStore } from '../src/storage/lancedb/vector-store.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { Outbox } from '../src/storage/sqlite/outbox.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';
import { WriteGate } from '../src/storage/sqlite/write-gate.js';
import { VectorSync, type VectorSyncOptions } from '../src/storage/vector-sync.js';
import { samplePaper as paper } from './support/sample-papers.js';

describe('vector sync', () => {
  const embedder = new HashEmbedder({ dimensions: 64 });
  let dir: string;
  let db: Database;
  let vectors: VectorStore;
  let papers: PaperStore;

  const sqliteFile = () => path.join(dir, 'paperd.sqlite');
  const lanceDir = () => path.join(dir, 'lancedb');
  const sync = (overrides: Partial<VectorSyncOptions> = {}) => new VectorSync({ db, vectors, embedder, ...overrides });
  const sqliteIds = () => (db.prepare('SELECT id FROM papers ORDER BY id').all() as { id: string }[]).map((r) => r.id);
  const lanceIds = async () => (await vectors.ids()).sort();

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-'));
    db = openDatabase(sqliteFile());
    vectors = await VectorStore.open(lanceDir(), embedder.dimensions);
    papers = new PaperStore(db, new ManualClock(1_700_000_000_000));
  });

  afterEach(() => {
    vectors.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('drains the outbox so that LanceDB holds exactly the papers’ ids, and lag falls to 0', async () => {
    papers.upsertMany(Array.from({ length: 250 }, (_, i) => paper(i)));
    const vectorSync = sync();
    expect(vectorSync.lag()).to.equal(250);
    expect(await vectorSync.drainOnce(100)).to.equal(100);
    expect(vectorSync.lag()).to.equal(150);
    expect(await vectorSync.drainAll(100)).to.equal(150);
    expect(vectorSync.lag()).to.equal(0);
    expect(await lanceIds()).to.deep.equal(sqliteIds());
    expect(await vectorSync.drainOnce(100)).to.equal(0);
  });

  it('writes vectors once the searches in flight have settled', async () => {
    // A bound far past the test: only the search settling lets the write go.
    const gate = new WriteGate(new SharedArrayBuffer(12), 60_000);
    papers.upsertMany([0, 1, 2].map((i) => paper(i)));
    let settle!: () => void;
    const search = gate.searching(() => new Promise<void>((resolve) => (settle = resolve)));
    const vectorSync = sync({ writeGate: gate });
    const draining = vectorSync.drainOnce(100);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await vectors.count(), 'written while a search was in flight').to.equal(0);
    settle();
    await search;
    expect(await draining).to.equal(3);
    expect(await lanceIds()).to.deep.equal(sqliteIds());
  });

  it('stores the embedder’s vector of title and abstract, and re-embeds a new version', async () => {
    papers.upsertVersion(paper(1, { title: 'Graph neural networks', abstract: 'Message passing on molecules.' }));
    const vectorSync = sync();
    await vectorSync.drainAll();
    const before = (await vectors.get(paper(1).id))!;
    expect(before.embedder).to.equal(embedder.name);
    expect([...before.vector]).to.deep.equal([...embedder.embedOne('Graph neural networks\n\nMessage passing on molecules.')]);

    papers.upsertVersion(paper(1, { version: 2, title: 'Diffusion models', abstract: 'Denoising images.' }));
    await vectorSync.drainAll();
    const after = (await vectors.get(paper(1).id))!;
    expect([...after.vector]).to.deep.equal([...embedder.embedOne('Diffusion models\n\nDenoising images.')]);
    expect(await vectors.count()).to.equal(1);
    const [nearest] = await vectors.search(embedder.embedOne('diffusion models denoising'), 1);
    expect(nearest!.id).to.equal(paper(1).id);
  });

  it('deletes the vector of a deleted paper, and collapses repeated changes of one paper in a batch', async () => {
    papers.upsertMany([paper(1), paper(2), paper(3)]);
    papers.upsertVersion(paper(2, { version: 2 }));
    papers.upsertVersion(paper(2, { version: 3 }));
    papers.delete(paper(3).id);
    const upserted: number[] = [];
    const vectorSync = sync({ afterVectorWrite: ({ ids }) => void upserted.push(ids.length) });
    expect(await vectorSync.drainOnce(100)).to.equal(6);
    expect(upserted).to.deep.equal([3]);
    expect(await lanceIds()).to.deep.equal([paper(1).id, paper(2).id]);
  });

  it('a crash after the LanceDB write and before the cursor moves heals on restart, with no duplicates', async () => {
    papers.upsertMany(Array.from({ length: 120 }, (_, i) => paper(i)));
    const crashing = sync({
      afterVectorWrite: () => {
        throw new InjectedCrashError('vector-sync');
      },
    });
    let thrown: unknown;
    await crashing.drainOnce(50).catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(InjectedCrashError);
    expect(await vectors.count()).to.equal(50);
    expect(crashing.lag()).to.equal(120);

    // Meanwhile the writer goes on: one paper changes, one goes away.
    papers.upsertVersion(paper(5, { version: 2, title: 'Changed while down' }));
    papers.delete(paper(7).id);

    // A restart: new connections to the same files, a new VectorSync.
    vectors.close();
    db.close();
    db = openDatabase(sqliteFile());
    vectors = await VectorStore.open(lanceDir(), embedder.dimensions);
    const restarted = sync();
    await restarted.drainAll(50);

    expect(restarted.lag()).to.equal(0);
    const ids = await vectors.ids();
    expect(new Set(ids).size).to.equal(ids.length);
    expect(ids.sort()).to.deep.equal(sqliteIds());
    expect([...(await vectors.get(paper(5).id))!.vector]).to.deep.equal([...embedder.embedOne(`Changed while down\n\n${paper(5).abstract}`)]);
  });

  it('pruning deletes only outbox rows every registered consumer has applied', async () => {
    papers.upsertMany([paper(1), paper(2)]);
    const outbox = new Outbox(db);
    outbox.register('slow-consumer');
    await sync().drainAll();
    expect(outbox.pruneConsumed()).to.equal(0);
    outbox.advance('slow-consumer', 1);
    expect(outbox.pruneConsumed()).to.equal(1);
    expect(outbox.after(0, 10).map((e) => e.paperId)).to.deep.equal([paper(2).id]);

    papers.upsertVersion(paper(3));
    const vectorSync = sync();
    expect(vectorSync.lag()).to.equal(1);
    await vectorSync.drainAll();
    expect(await lanceIds()).to.deep.equal(sqliteIds());
  });

  it('refuses an embedder whose size differs from the table’s, and a table of another size', async () => {
    expect(() => sync({ embedder: new HashEmbedder({ dimensions: 32 }) })).to.throw(ConfigError);
    let thrown: unknown;
    await VectorStore.open(lanceDir(), 128).catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(VectorSchemaMismatchError);
  });

  it('drains a few thousand papers end to end: read, embed, upsert, advance (throughput printed)', async () => {
    const big = new HashEmbedder({ dimensions: 256 });
    const store = await VectorStore.open(path.join(dir, 'lance-drain'), 256);
    try {
      papers.upsertMany(Array.from({ length: 5000 }, (_, i) => paper(i, { abstract: `We study problem ${i} with method ${i % 17}. `.repeat(8) })));
      const started = process.hrtime.bigint();
      const synced = await sync({ vectors: store, embedder: big }).drainAll(1000);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      console.log(`      VectorSync.drainAll: ${synced} outbox rows in batches of 1000, ${ms.toFixed(0)} ms (${Math.round(synced / (ms / 1000))} rows/s)`);
      expect(await store.count()).to.equal(5000);
    } finally {
      store.close();
    }
  });

  it('mergeInsert throughput at a few thousand rows (printed, not asserted)', async () => {
    const big = new HashEmbedder({ dimensions: 256 });
    const store = await VectorStore.open(path.join(dir, 'lance-256'), 256);
    try {
      const rows = Array.from({ length: 5000 }, (_, i) => ({ id: `p${i}`, vector: big.embedOne(`text ${i} about topic ${i % 13}`), embedder: big.name, updated: '2024-01-01T00:00:00.000Z' }));
      for (const [label, slice] of [['insert', rows], ['update', rows]] as const) {
        const started = process.hrtime.bigint();
        for (let i = 0; i < slice.length; i += 1000) await store.upsert(slice.slice(i, i + 1000));
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        console.log(`      LanceDB mergeInsert (${label}): ${slice.length} rows of 256 dims in batches of 1000, ${ms.toFixed(0)} ms (${Math.round(slice.length / (ms / 1000))} rows/s)`);
      }
      expect(await store.count()).to.equal(5000);
    } finally {
      store.close();
    }
  });
});
