import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IndexUpkeepProcessError } from '../src/errors.js';
import type { AnnPolicy } from '../src/storage/lancedb/ann-policy.js';
import { IndexUpkeepProcess, type IndexUpkeepRequest } from '../src/storage/lancedb/index-upkeep-process.js';
import { VectorStore, type VectorRow } from '../src/storage/lancedb/vector-store.js';
import { until } from './support/until.js';

const dimensions = 16;
const policy: AnnPolicy = { minRows: 1000, rowsPerPartition: 250, retrainGrowth: 2, maxUnindexed: 200, maxUnindexedWhileWriting: 200, numBits: 4, nprobes: 8, refineFactor: 10 };

function rows(from: number, count: number): VectorRow[] {
  let seed = 4242 + from;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  return Array.from({ length: count }, (_, i) => ({ id: `p${from + i}`, vector: Float32Array.from({ length: dimensions }, random), embedder: 'test', updated: '2026-11-28T00:00:00Z' }));
}

const alive = (pid: number | undefined) => pid !== undefined && fs.existsSync(`/proc/${pid}`);

describe('index upkeep process', function () {
  this.timeout(120_000);
  let dir: string;
  let upkeep: IndexUpkeepProcess | undefined;
  const request = (extra: Partial<IndexUpkeepRequest> = {}): IndexUpkeepRequest => ({ dir, table: 'papers', dimensions, ann: policy, takeInNewRows: false, ...extra });
  const addRows = async (from: number, count: number) => {
    const store = await VectorStore.open(dir, dimensions, { ann: policy });
    await store.upsert(rows(from, count));
    store.close();
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-upkeep-'));
    await addRows(0, 1200);
  });
  afterEach(() => {
    upkeep?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('forks its child at start and keeps it for every run', async () => {
    upkeep = new IndexUpkeepProcess();
    upkeep.start();
    const pid = upkeep.pid;
    expect(alive(pid), 'a child before the first run').to.equal(true);
    const built = await upkeep.run(request());
    expect(built.report.plan).to.equal('build');
    expect(built.pid).to.equal(pid);
    await addRows(5000, 300);
    const updated = await upkeep.run(request());
    expect(updated.report.plan).to.equal('update');
    expect(updated.report.index).to.deep.include({ indexed: 1500, unindexed: 0 });
    expect(updated.pid).to.equal(pid);
    expect(alive(pid), 'the child stays after its runs').to.equal(true);
  });

  it('fails the run a dying child held, and starts another child for the next run', async () => {
    upkeep = new IndexUpkeepProcess();
    upkeep.start();
    const first = upkeep.pid!;
    // Killed while idle: the next run gets a new child.
    process.kill(first, 'SIGKILL');
    await until('the child to die', async () => !alive(first) || undefined, 10_000);
    const built = await upkeep.run(request());
    expect(built.report.plan).to.equal('build');
    expect(built.pid).to.not.equal(first);
    // Killed during a run: that run fails and says why.
    await addRows(5000, 2000);
    const running = upkeep.run(request()).then(() => undefined, (e: unknown) => e);
    await until('the run to be under way', async () => upkeep!.running || undefined);
    process.kill(upkeep.pid!, 'SIGKILL');
    const error = await running;
    expect(error).to.be.instanceOf(IndexUpkeepProcessError);
    expect((error as Error).message).to.match(/did not finish: its process was killed by SIGKILL/);
    const after = await upkeep.run(request());
    expect(after.report.index).to.deep.include({ unindexed: 0 });
    expect(after.pid).to.not.equal(built.pid);
  });

  it('answers a failed run with its error and keeps the child', async () => {
    upkeep = new IndexUpkeepProcess();
    const error = await upkeep.run(request({ dimensions: 8 })).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(IndexUpkeepProcessError);
    expect((error as Error).message).to.match(/failed: VectorSchemaMismatchError/);
    const pid = upkeep.pid;
    const built = await upkeep.run(request());
    expect(built.report.plan).to.equal('build');
    expect(built.pid).to.equal(pid);
  });

  it('lets a child that grew past its bound go after its run', async () => {
    upkeep = new IndexUpkeepProcess({ maxRssBytes: 1 });
    const first = await upkeep.run(request());
    await until('the grown child to exit', async () => !alive(first.pid) || undefined, 10_000);
    const second = await upkeep.run(request({ takeInNewRows: true }));
    expect(second.pid).to.not.equal(first.pid);
  });

  it('drops a queued run its signal stops, runs the rest in order, and ends the child on close', async () => {
    upkeep = new IndexUpkeepProcess();
    const order: string[] = [];
    const stop = new AbortController();
    const build = upkeep.run(request()).then((d) => (order.push('build'), d));
    const stopped = upkeep.run(request(), stop.signal).then(() => undefined, (e: unknown) => e);
    const idOnly = upkeep.run(request({ idIndexOnly: true })).then((d) => (order.push('id index'), d));
    stop.abort();
    expect(((await stopped) as Error).message).to.match(/stopped before it began/);
    expect((await build).report.plan).to.equal('build');
    expect((await idOnly).report.plan).to.equal('none');
    expect(order).to.deep.equal(['build', 'id index']);
    const pid = upkeep.pid;
    upkeep.close();
    await until('the child to end', async () => !alive(pid) || undefined, 10_000);
    const refused = await upkeep.run(request()).then(() => undefined, (e: unknown) => e);
    expect((refused as Error).message).to.match(/the upkeep process is closed/);
  });
});
