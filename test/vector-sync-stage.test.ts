import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Stage } from '../src/actors/pulling-stage.js';
import { HashEmbedder } from '../src/embedding/hash-embedder.js';
import { vectorSyncStage } from '../src/pipeline/vector-sync-stage.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { VectorStore } from '../src/storage/lancedb/vector-store.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';
import { VectorSync } from '../src/storage/vector-sync.js';
import { samplePaper as paper } from './support/sample-papers.js';

describe('vector sync stage', () => {
  const embedder = new HashEmbedder({ dimensions: 32 });
  const batch = 100;
  const gatherMs = 1_000;
  let dir: string;
  let db: Database;
  let vectors: VectorStore;
  let papers: PaperStore;
  let clock: ManualClock;
  let stage: Stage;
  let written: number;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    vectors = await VectorStore.open(path.join(dir, 'lancedb'), embedder.dimensions);
    clock = new ManualClock(1_700_000_000_000);
    papers = new PaperStore(db, clock);
    written = 0;
    // Counts LanceDB writes: each one leaves a fragment.
    const sync = new VectorSync({ db, vectors, embedder, afterVectorWrite: () => void written++ });
    stage = vectorSyncStage(sync, batch, { clock, gatherMs });
  });

  afterEach(() => {
    vectors.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds fewer rows than a batch until they have waited gatherMs, gathering what comes meanwhile into one write', async () => {
    papers.upsertMany([0, 1, 2].map((i) => paper(i)));
    expect(await stage.step()).to.equal(0);
    clock.advance(600);
    papers.upsertMany([3, 4].map((i) => paper(i)));
    expect(await stage.step()).to.equal(0);
    expect(await vectors.count()).to.equal(0);

    // gatherMs counts from when the stage first saw rows pending, not from the last one to come.
    clock.advance(gatherMs - 600);
    expect(await stage.step()).to.equal(5);
    expect(await vectors.count()).to.equal(5);
    expect(written).to.equal(1);
    expect(await stage.step()).to.equal(0);
  });

  it('writes a full batch at once, and waits again for the rows after it', async () => {
    papers.upsertMany(Array.from({ length: batch + 30 }, (_, i) => paper(i)));
    expect(await stage.step()).to.equal(batch);
    expect(await stage.step()).to.equal(0);
    clock.advance(gatherMs);
    expect(await stage.step()).to.equal(30);
    expect(written).to.equal(2);
    expect((await vectors.ids()).length).to.equal(batch + 30);
  });

  it('with gatherMs 0, writes whatever is pending at each step', async () => {
    const sync = new VectorSync({ db, vectors, embedder, afterVectorWrite: () => void written++ });
    const eager = vectorSyncStage(sync, batch, { clock, gatherMs: 0 });
    papers.upsertMany([0, 1].map((i) => paper(i)));
    expect(await eager.step()).to.equal(2);
    papers.upsertMany([2].map((i) => paper(i)));
    expect(await eager.step()).to.equal(1);
    expect(written).to.equal(2);
  });
});
