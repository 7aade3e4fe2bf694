import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ANN_POLICY, indexName, planIndex, trainedOnOf, type AnnPolicy } from '../src/storage/lancedb/ann-policy.js';
import { VectorStore, type VectorRow } from '../src/storage/lancedb/vector-store.js';

/** Vectors around a few hundred centres, as embeddings of texts on a few hundred topics are. */
function clusteredRows(from: number, count: number, dimensions: number): VectorRow[] {
  let seed = 12345 + from;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const centres = Array.from({ length: 200 }, (_, c) => Float32Array.from({ length: dimensions }, (_, d) => Math.sin(c * 7.3 + d * 1.7) + Math.cos(c * d)));
  return Array.from({ length: count }, (_, i) => {
    const centre = centres[Math.floor(random() * centres.length)]!;
    return { id: `p${from + i}`, vector: Float32Array.from(centre, (x) => x + (random() - 0.5) * 0.8), embedder: 'test', updated: '' };
  });
}

describe('vector index planning', () => {
  const policy: AnnPolicy = { ...DEFAULT_ANN_POLICY, minRows: 1000, rowsPerPartition: 100, retrainGrowth: 2, maxUnindexed: 50 };

  it('keeps small tables exact and indexes a table once it reaches minRows', () => {
    expect(planIndex(999, undefined, policy)).to.deep.equal({ action: 'none' });
    expect(planIndex(1000, undefined, policy)).to.deep.equal({ action: 'build', partitions: 10 });
  });

  it('folds new rows into the index past maxUnindexed and retrains once the table has doubled', () => {
    expect(planIndex(1040, { trainedOn: 1000, unindexed: 40 }, policy)).to.deep.equal({ action: 'none' });
    expect(planIndex(1060, { trainedOn: 1000, unindexed: 60 }, policy)).to.deep.equal({ action: 'update' });
    expect(planIndex(2000, { trainedOn: 1000, unindexed: 0 }, policy)).to.deep.equal({ action: 'retrain', partitions: 20 });
  });

  it('waits past maxUnindexedWhileWriting while the writer is writing', () => {
    const patient = { ...policy, maxUnindexedWhileWriting: 200 };
    expect(planIndex(1060, { trainedOn: 1000, unindexed: 60 }, patient, true)).to.deep.equal({ action: 'none' });
    expect(planIndex(1201, { trainedOn: 1000, unindexed: 201 }, patient, true)).to.deep.equal({ action: 'update' });
    expect(planIndex(2000, { trainedOn: 1000, unindexed: 60 }, patient, true)).to.deep.equal({ action: 'retrain', partitions: 20 });
  });

  it('reads the training size back from the index name, and ignores names it did not give', () => {
    expect(trainedOnOf(indexName(123_456))).to.equal(123_456);
    expect(trainedOnOf('vector_idx')).to.equal(undefined);
  });
});

describe('vector index on a real LanceDB table', function () {
  this.timeout(120_000);
  const dimensions = 32;
  const policy: AnnPolicy = { minRows: 2000, rowsPerPartition: 250, retrainGrowth: 2, maxUnindexed: 100, maxUnindexedWhileWriting: 100, numBits: 4, nprobes: 4, refineFactor: 10 };
  let dir: string;
  let store: VectorStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-vector-index-'));
    store = await VectorStore.open(dir, dimensions, { ann: policy });
  });
  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('builds, updates and retrains the index as the table grows, and searches stay right throughout', async () => {
    await store.upsert(clusteredRows(0, 1500, dimensions));
    expect((await store.maintainIndex()).plan).to.equal('none');

    await store.upsert(clusteredRows(1500, 1000, dimensions));
    const built = await store.maintainIndex();
    expect(built.plan).to.equal('build');
    expect(built.index).to.deep.include({ name: indexName(2500), indexed: 2500, unindexed: 0 });

    // Rows added after the build are found at once (searched exactly) and folded in later.
    const late = clusteredRows(2500, 300, dimensions);
    await store.upsert(late);
    expect((await store.search(late[0]!.vector, 1))[0]!.id).to.equal(late[0]!.id);
    const updated = await store.maintainIndex();
    expect(updated.plan).to.equal('update');
    expect(updated.index).to.deep.include({ name: indexName(2500), indexed: 2800, unindexed: 0 });

    await store.upsert(clusteredRows(2800, 2200, dimensions));
    const retrained = await store.maintainIndex();
    expect(retrained.plan).to.equal('retrain');
    expect(retrained.index).to.deep.include({ name: indexName(5000), indexed: 5000 });

    // A reopened store finds the index it made and keeps using it.
    store.close();
    store = await VectorStore.open(dir, dimensions, { ann: policy });
    expect((await store.maintainIndex()).plan).to.equal('none');
  });

  it('answers with recall@10 of at least 0.9 against exact search', async () => {
    const rows = clusteredRows(0, 4000, dimensions);
    await store.upsert(rows);
    expect((await store.maintainIndex()).plan).to.equal('build');
    let found = 0;
    const queries = clusteredRows(10_000, 40, dimensions);
    for (const q of queries) {
      const ann = new Set((await store.search(q.vector, 10)).map((h) => h.id));
      const exact = await store.searchExact(q.vector, 10);
      expect(exact).to.have.length(10);
      found += exact.filter((h) => ann.has(h.id)).length;
    }
    expect(found / (10 * queries.length)).to.be.at.least(0.9);
  });
});
