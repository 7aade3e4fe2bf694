import * as lancedb from '@lancedb/lancedb';
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IndexUpkeepProcessError } from '../src/errors.js';
import { BACKGROUND_NICENESS, procStatFields, SCHED_IDLE } from '../src/runtime/background-thread.js';
import type { AnnPolicy } from '../src/storage/lancedb/ann-policy.js';
import { IndexUpkeepProcess } from '../src/storage/lancedb/index-upkeep-process.js';
import { RecentRows } from '../src/storage/lancedb/recent-rows.js';
import { VectorStore, type VectorRow } from '../src/storage/lancedb/vector-store.js';
import { until } from './support/until.js';

const dimensions = 32;
const policy: AnnPolicy = { minRows: 2000, rowsPerPartition: 250, retrainGrowth: 2, maxUnindexed: 500, maxUnindexedWhileWriting: 500, numBits: 4, nprobes: 8, refineFactor: 10 };

/** Vectors around a few hundred centres, each row different. */
function rows(from: number, count: number, embedder = 'test'): VectorRow[] {
  let seed = 777 + from;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, (_, i) => {
    const c = Math.floor(random() * 200);
    return { id: `p${from + i}`, vector: Float32Array.from({ length: dimensions }, (_, d) => Math.sin(c * 7.3 + d * 1.7) + Math.cos(c * d) + (random() - 0.5) * 0.8), embedder, updated: '' };
  });
}

/** Pids of this process's index upkeep children. */
function upkeepChildren(): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
    try {
      const ppid = Number(procStatFields(`/proc/${pid}/stat`)[1]);
      return ppid === process.pid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('index-upkeep-child') ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

const nearestId = async (store: VectorStore, vector: Float32Array) => (await store.search(vector, 5))[0];

describe('recent rows searched from memory', () => {
  it('ranks by cosine distance like an exact search, newest row of an id only, one embedder if asked', () => {
    const recent = new RecentRows(100, true);
    const written = rows(0, 50);
    recent.added(written);
    const query = written[7]!.vector;
    const hits = recent.nearest(query, 10);
    const exact = written
      .map((r) => {
        const dot = r.vector.reduce((s, x, i) => s + x * query[i]!, 0);
        const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
        return { id: r.id, distance: 1 - dot / (norm(r.vector) * norm(query)) };
      })
      .sort((a, b) => a.distance - b.distance)
      .slice(0, 10);
    expect(hits.map((h) => h.id)).to.deep.equal(exact.map((h) => h.id));
    expect(hits[0]!.distance).to.be.closeTo(0, 1e-5);

    // A newer row of p7 elsewhere replaces the old one; another embedder's rows are left out on request.
    recent.added([{ ...written[30]!, id: 'p7' }, ...rows(1000, 5, 'other')]);
    expect(recent.nearest(query, 50).find((h) => h.id === 'p7')!.distance).to.be.greaterThan(1e-3);
    expect(recent.nearest(query, 100, 'test').every((h) => h.embedder === 'test')).to.equal(true);
    expect(recent.nearest(query, 100)).to.have.length(55);
  });

  it('tells a search whether its scan is still current: writes and deletes change the version, rows let go once indexed do not', () => {
    const recent = new RecentRows(100, true);
    const v0 = recent.version;
    recent.added(rows(0, 5));
    const v1 = recent.version;
    expect(v1).to.not.equal(v0);
    recent.deleted(['p1']);
    const v2 = recent.version;
    expect(v2).to.not.equal(v1);
    recent.deletedByPrefix(['p2']);
    const v3 = recent.version;
    expect(v3).to.not.equal(v2);
    // A search that began before the index run scanned these rows; LanceDB's older version lacks them.
    recent.indexedUpTo(recent.mark());
    expect(recent.size).to.equal(0);
    expect(recent.version).to.equal(v3);
  });

  it('brings a scan up to date with the rows written since, as a scan of every row would find them, after rewrites and deletes too', () => {
    const recent = new RecentRows(10_000, true);
    recent.added(rows(0, 400));
    const query = rows(0, 400)[9]!.vector;
    const asNow = (embedder?: string) => recent.nearest(query, 10, embedder);
    let scan = recent.scan(query, 10);
    expect(recent.rescan(scan, query, 10)).to.equal(scan);
    // New rows, some nearer than what the scan found: merged in.
    recent.added(rows(5000, 300));
    recent.added([{ ...rows(0, 400)[9]!, id: 'close-1' }, { ...rows(0, 400)[9]!, id: 'close-2', embedder: 'other' }]);
    scan = recent.rescan(scan, query, 10);
    expect(scan.hits).to.deep.equal(asNow());
    expect(scan.hits.map((h) => h.id)).to.include('close-1');
    // A row the scan found, rewritten far away: it must leave the list, and the next nearest come in.
    const found = scan.hits[0]!.id;
    recent.added([{ ...rows(9000, 1)[0]!, id: found, vector: query.map((x) => -x) }]);
    scan = recent.rescan(scan, query, 10);
    expect(scan.hits).to.deep.equal(asNow());
    expect(scan.hits.map((h) => h.id)).to.not.include(found);
    // A deleted row the scan found.
    const gone = scan.hits[2]!.id;
    recent.deleted([gone]);
    scan = recent.rescan(scan, query, 10);
    expect(scan.hits).to.deep.equal(asNow());
    expect(scan.hits.map((h) => h.id)).to.not.include(gone);
    // One embedder only.
    let mine = recent.scan(query, 10, 'other');
    recent.added([{ ...rows(0, 400)[9]!, id: 'close-3', embedder: 'other' }, ...rows(7000, 50)]);
    mine = recent.rescan(mine, query, 10, 'other');
    expect(mine.hits).to.deep.equal(asNow('other'));
    expect(mine.hits.map((h) => h.id)).to.have.members(['close-2', 'close-3']);
  });

  it('is complete only while it holds every unindexed row: not past its bound, until an index run that began later', () => {
    const recent = new RecentRows(10, true);
    recent.added(rows(0, 8));
    const before = recent.mark();
    recent.added(rows(8, 2));
    expect(recent.complete).to.equal(true);
    recent.indexedUpTo(before);
    expect(recent.size).to.equal(2);

    recent.added(rows(100, 11));
    expect(recent.complete).to.equal(false);
    expect(recent.size).to.equal(0);
    // A run that started before the overflow does not make it whole again; one that started after does.
    recent.indexedUpTo(before);
    expect(recent.complete).to.equal(false);
    recent.indexedUpTo(recent.mark());
    expect(recent.complete).to.equal(true);
    expect(new RecentRows(10, false).complete).to.equal(false);
  });
});

describe('a vector table whose writer searches unindexed rows from memory (real LanceDB)', function () {
  this.timeout(180_000);
  let dir: string;
  let store: VectorStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-recent-rows-'));
  });
  afterEach(() => {
    store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds new, moved and deleted rows as they are now, before and after the index takes them in', async () => {
    store = await VectorStore.open(dir, dimensions, { ann: policy, recentRows: 1000 });
    const first = rows(0, 2500);
    await store.upsert(first);
    expect((await store.maintainIndex()).plan).to.equal('build');
    expect(store.unindexedInMemory).to.equal(0);

    // More than maxUnindexed (500), so that the next run takes them in.
    const late = rows(5000, 600);
    await store.upsert(late);
    // p3 moves to where p4000-like rows are; p5 and p5001 are deleted.
    const moved = { ...first[3]!, vector: rows(9000, 1)[0]!.vector };
    await store.upsert([moved]);
    await store.delete(['p5', 'p5001']);
    expect(store.unindexedInMemory).to.equal(600);

    const check = async () => {
      for (const row of [late[0]!, late[300]!, late[599]!]) expect((await nearestId(store, row.vector))?.id).to.equal(row.id);
      expect((await nearestId(store, moved.vector))?.id).to.equal('p3');
      const atOldPlace = (await store.search(first[3]!.vector, 20)).find((h) => h.id === 'p3');
      expect(atOldPlace === undefined || atOldPlace.distance > 1e-3, 'p3 found at its old place').to.equal(true);
      for (const gone of [first[5]!, late[1]!]) expect((await store.search(gone.vector, 20)).map((h) => h.id)).to.not.include(gone.id);
    };
    await check();

    const updated = await store.maintainIndex();
    expect(updated.tookInNewRows).to.equal(true);
    expect(store.unindexedInMemory).to.equal(0);
    await check();
  });

  it('lets LanceDB scan when the memory overflowed or did not see the rows, until an index run takes them in', async () => {
    store = await VectorStore.open(dir, dimensions, { ann: policy, recentRows: 100 });
    await store.upsert(rows(0, 2500));
    await store.maintainIndex();
    const late = rows(5000, 150);
    await store.upsert(late);
    expect(store.unindexedInMemory).to.equal(undefined);
    expect((await nearestId(store, late[120]!.vector))?.id).to.equal(late[120]!.id);

    // Reopened with 150 unindexed rows (under maxUnindexed): the next run takes them in anyway.
    store.close();
    store = await VectorStore.open(dir, dimensions, { ann: policy, recentRows: 100 });
    expect(store.unindexedInMemory).to.equal(undefined);
    const report = await store.maintainIndex();
    expect(report.plan).to.equal('none');
    expect(report.tookInNewRows).to.equal(true);
    expect(report.index).to.deep.include({ unindexed: 0 });
    expect(store.unindexedInMemory).to.equal(0);
    expect((await nearestId(store, late[120]!.vector))?.id).to.equal(late[120]!.id);
  });

  it('keeps the index in a child process whose threads, LanceDB\'s included, run at a lower priority', async () => {
    store = await VectorStore.open(dir, dimensions, { ann: policy, recentRows: 1000, indexUpkeepApart: true });
    const first = rows(0, 2500);
    await store.upsert(first);
    const built = await store.maintainIndex();
    expect(built.plan).to.equal('build');
    expect(built.index).to.deep.include({ indexed: 2500, unindexed: 0 });
    // Upserts join on id: the table has an index on it.
    const connection = await lancedb.connect(dir);
    const table = await connection.openTable('papers');
    expect((await table.listIndices()).map((i) => `${i.columns.join()}:${i.indexType}`)).to.include('id:BTree');
    table.close();
    connection.close();
    // The node's store searches the index the other process built, and rows written since from memory.
    const late = rows(5000, 50);
    await store.upsert(late);
    expect(store.unindexedInMemory).to.equal(50);
    expect((await nearestId(store, late[10]!.vector))?.id).to.equal(late[10]!.id);
    expect((await nearestId(store, first[10]!.vector))?.id).to.equal(first[10]!.id);
    // Nothing to do: nothing is run, and the report says so.
    expect((await store.maintainIndex()).tookInNewRows).to.equal(false);

    await store.upsert(rows(6000, 600));
    const upkeep = new IndexUpkeepProcess();
    const done = await upkeep.run({ dir, table: 'papers', dimensions, ann: policy, takeInNewRows: false }).finally(() => upkeep.close());
    expect(done.report.plan).to.equal('update');
    if (process.platform === 'linux') {
      expect(done.threadNiceness.length).to.be.greaterThan(4);
      expect(done.threadNiceness.every((n) => n === BACKGROUND_NICENESS), `thread nice values ${done.threadNiceness.join(',')}`).to.equal(true);
      // util-linux's chrt is on every Debian system: the threads run only when a core is free.
      expect(done.threadPolicies.every((p) => p === SCHED_IDLE), `thread policies ${done.threadPolicies.join(',')}`).to.equal(true);
    }
  });

  it('compacts in the upkeep process while vectors are rewritten, holding the writes until it is done', async () => {
    store = await VectorStore.open(dir, dimensions, { ann: policy, recentRows: 2000, indexUpkeepApart: true });
    await store.upsert(rows(0, 2500));
    expect((await store.maintainIndex()).plan).to.equal('build');
    // 70 small fragments and 700 unindexed rows: the next run folds them in and compacts.
    for (let i = 0; i < 70; i++) await store.upsert(rows(10_000 + i * 10, 10));
    // Meanwhile rows the compaction rewrites are updated, as vector sync does after a refit.
    const remade = (round: number) => rows(20_000 + round * 40, 40).map((r, i) => ({ ...r, id: `p${i}` }));
    let settled = false;
    const run = store.maintainIndex().finally(() => (settled = true));
    let round = 0;
    while (!settled && round < 200) await store.upsert(remade(round++));
    const report = await run;
    expect(report.plan).to.equal('update');
    expect(report.tookInNewRows).to.equal(true);
    // The writes held while it ran all landed, the last one last.
    const last = remade(round - 1);
    expect(Array.from((await store.get('p7'))!.vector)).to.deep.equal(Array.from(last[7]!.vector));
    expect((await nearestId(store, last[7]!.vector))?.id).to.equal('p7');
    expect(await store.count()).to.equal(3200);
  });

  it('folds rows in while writes go on only past the bound for writing, and at the usual bound once they pause', async () => {
    const quietMs = 3000;
    store = await VectorStore.open(dir, dimensions, { ann: { ...policy, maxUnindexedWhileWriting: 1500 }, recentRows: 2000, indexUpkeepApart: true, writesQuietMs: quietMs });
    await store.upsert(rows(0, 2500));
    expect((await store.maintainIndex()).plan).to.equal('build');
    // 800 rows in 80 fragments: past maxUnindexed (500) and the small fragments' bound (64), but writes go on.
    for (let i = 0; i < 80; i++) await store.upsert(rows(10_000 + i * 10, 10));
    const writing = await store.maintainIndex();
    expect(writing.plan).to.equal('none');
    expect(writing.tookInNewRows).to.equal(false);
    expect(store.unindexedInMemory).to.equal(800);
    // Past the bound for writing (1,500) a run folds them in as writes go on.
    for (let i = 0; i < 80; i++) await store.upsert(rows(20_000 + i * 10, 10));
    const full = await store.maintainIndex();
    expect(full.plan).to.equal('update');
    expect(store.unindexedInMemory).to.equal(0);
    // Once writes pause, 600 rows are enough.
    for (let i = 0; i < 60; i++) await store.upsert(rows(30_000 + i * 10, 10));
    expect((await store.maintainIndex()).plan).to.equal('none');
    await new Promise((resolve) => setTimeout(resolve, quietMs + 100));
    const paused = await store.maintainIndex();
    expect(paused.plan).to.equal('update');
    expect(paused.index?.unindexed).to.equal(0);
    expect(store.unindexedInMemory).to.equal(0);
    expect(await store.count()).to.equal(4700);
    expect((await nearestId(store, rows(30_000, 10)[4]!.vector))?.id).to.equal('p30004');
  });

  it('holds a write that would overflow the rows in memory until an index run has taken them in', async () => {
    store = await VectorStore.open(dir, dimensions, { ann: policy, recentRows: 400, indexUpkeepApart: true });
    await store.upsert(rows(0, 2500));
    expect((await store.maintainIndex()).plan).to.equal('build');
    expect(store.unindexedInMemory).to.equal(0);
    // Four writes fill the memory; nothing asks for a run (the policy's bound, 500, is above it).
    for (let i = 0; i < 4; i++) await store.upsert(rows(10_000 + i * 100, 100));
    expect(store.unindexedInMemory).to.equal(400);
    // The fifth would overflow it: it waits for a run that takes the 400 in, and lands in memory.
    const late = rows(20_000, 100);
    await store.upsert(late);
    expect(store.unindexedInMemory).to.equal(100);
    expect(await store.count()).to.equal(3000);
    expect((await nearestId(store, late[7]!.vector))?.id).to.equal(late[7]!.id);
    expect((await nearestId(store, rows(10_000, 100)[3]!.vector))?.id).to.equal('p10003');
  });

  it('keeps the id index over every row apart, as upserts come, without folding the vectors in', async () => {
    store = await VectorStore.open(dir, dimensions, { ann: policy, recentRows: 2000, indexUpkeepApart: true, idIndexRefreshRows: 300 });
    await store.upsert(rows(0, 2500));
    expect((await store.maintainIndex()).plan).to.equal('build');
    const connection = await lancedb.connect(dir);
    const indexStats = async () => {
      const table = await connection.openTable('papers');
      try {
        const indices = await table.listIndices();
        const of = async (column: string) => (await table.indexStats(indices.find((i) => i.columns[0] === column)!.name))!.numUnindexedRows;
        return { id: await of('id'), vector: await of('vector') };
      } finally {
        table.close();
      }
    };
    // Under the bound: nothing runs.
    await store.upsert(rows(10_000, 200));
    expect(await indexStats()).to.deep.equal({ id: 200, vector: 200 });
    // Past it: the id index is rebuilt over every row, and the vector index keeps its 300 new rows for upkeep.
    const late = rows(20_000, 100);
    await store.upsert(late);
    await until('the id index to cover every row', async () => ((await indexStats()).id === 0 ? true : undefined), 60_000);
    expect((await indexStats()).vector).to.equal(300);
    expect(store.unindexedInMemory).to.equal(300);
    expect((await nearestId(store, late[42]!.vector))?.id).to.equal(late[42]!.id);
    // A row upserted again stays one row.
    await store.upsert([{ ...late[42]!, vector: rows(30_000, 1)[0]!.vector }]);
    expect(await store.count()).to.equal(2800);
    connection.close();
  });

  it('loads an index the upkeep process rewrote into the cache before searches move to it, when asked to', async () => {
    const grown: Record<string, { adopting: number; searching: number }> = {};
    for (const warmIndex of [false, true]) {
      // A session of its own: its cache holds only this store's parts.
      const session = new lancedb.Session(BigInt(256 << 20), BigInt(64 << 20));
      const one = await VectorStore.open(path.join(dir, String(warmIndex)), dimensions, { ann: policy, recentRows: 2000, indexUpkeepApart: true, warmIndex, session });
      try {
        await one.upsert(rows(0, 2500));
        expect((await one.maintainIndex()).plan).to.equal('build');
        await one.upsert(rows(10_000, 600));
        const before = Number(session.sizeBytes());
        expect((await one.maintainIndex()).plan).to.equal('update');
        const adopted = Number(session.sizeBytes());
        // Queries from every part of the space reach every partition.
        for (const row of rows(50_000, 200)) await one.search(row.vector, 10);
        grown[String(warmIndex)] = { adopting: adopted - before, searching: Number(session.sizeBytes()) - adopted };
      } finally {
        one.close();
      }
    }
    const [cold, warm] = [grown.false!, grown.true!];
    expect(warm.adopting, 'the index loaded as the store moved to it').to.be.greaterThan(cold.adopting * 5);
    expect(warm.searching, 'searches found it loaded').to.be.lessThan(warm.adopting / 10);
    expect(cold.searching, 'without: searches load it themselves').to.be.greaterThan(warm.adopting / 2);
  });

  it('stops the upkeep process when the store closes, leaving the table as it was', async function () {
    if (process.platform !== 'linux') this.skip(); // finds the child process through /proc
    const upkeep = new IndexUpkeepProcess();
    try {
      store = await VectorStore.open(dir, dimensions, { ann: policy, recentRows: 1000, indexUpkeepApart: upkeep });
      await store.upsert(rows(0, 2500));
      const running = store.maintainIndex().then(() => undefined, (e: unknown) => e);
      await until('the run to be under way', async () => upkeep.running || undefined);
      const child = upkeepChildren()[0];
      expect(child).to.equal(upkeep.pid);
      store.close();
      const error = await running;
      expect(error).to.be.instanceOf(IndexUpkeepProcessError);
      expect((error as Error).message).to.match(/did not finish: it was stopped/);
      await until('the upkeep process to end', async () => !fs.existsSync(`/proc/${child}`) || undefined, 10_000);
    } finally {
      upkeep.close();
    }
    store = await VectorStore.open(dir, dimensions, { ann: policy });
    expect(await store.count()).to.equal(2500);
    expect((await nearestId(store, rows(0, 20)[19]!.vector))?.id).to.equal('p19');
  });
});
