import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BACKGROUND_NICENESS, procStatFields } from '../src/runtime/background-thread.js';
import { PersistentWorker } from '../src/runtime/persistent-worker.js';
import { openDatabase, type Database } from '../src/storage/sqlite/database.js';
import { WriteGate } from '../src/storage/sqlite/write-gate.js';
import { tempDataDir } from './support/node-process.js';

const HOLDER = new URL('./support/gate-holder-worker.ts', import.meta.url);

/** Resolves once the thread holds the gate (it holds each row's transaction for a second). */
async function heldByThread(gate: WriteGate): Promise<void> {
  for (const end = Date.now() + 30_000; !gate.held(); await new Promise((r) => setTimeout(r, 2))) {
    if (Date.now() > end) throw new Error('the thread never took the gate');
  }
}

describe('write gate: the event loop and a writer thread take turns at the write lock', function () {
  this.timeout(60_000);
  let db: Database;
  let gate: WriteGate;
  let holder: PersistentWorker<unknown, { written?: number; thread?: number }>;
  const order = () => (db.prepare('SELECT who FROM writes ORDER BY id').pluck().all() as string[]);

  beforeEach(() => {
    const file = join(tempDataDir(), 'paperd.sqlite');
    db = openDatabase(file);
    db.exec('CREATE TABLE writes (id INTEGER PRIMARY KEY, who TEXT NOT NULL)');
    // Polite for long enough that a slow machine cannot make the event loop miss its turn.
    gate = new WriteGate(undefined, 10_000);
    holder = new PersistentWorker(HOLDER, 'the gate holder', { workerData: { file, gate: gate.buffer, politeMs: 10_000 } });
  });

  afterEach(async () => {
    await holder.close();
    db.close();
  });

  it('an event-loop write waits for the thread\'s transaction without blocking the event loop', async () => {
    const holding = holder.request({ rows: ['thread'], holdMs: 1000 });
    await heldByThread(gate);
    let turnsOfTheLoop = 0;
    const ticking = setInterval(() => turnsOfTheLoop++, 5);
    const insert = db.prepare('INSERT INTO writes (who) VALUES (?)');
    const loopTurnsBeforeWrite = await gate.run(() => {
      insert.run('event loop');
      return turnsOfTheLoop;
    });
    clearInterval(ticking);
    await holding;
    // The loop went on turning while the thread held the lock, and the write came after the thread's.
    expect(loopTurnsBeforeWrite).to.be.greaterThan(0);
    expect(order()).to.deep.equal(['thread', 'event loop']);
  });

  it('the thread lets a waiting event-loop writer go before its next transaction', async () => {
    const holding = holder.request({ rows: ['thread 1', 'thread 2'], holdMs: 1000 });
    await heldByThread(gate);
    await gate.run(() => db.prepare('INSERT INTO writes (who) VALUES (?)').run('event loop'));
    await holding;
    expect(order()).to.deep.equal(['thread 1', 'event loop', 'thread 2']);
    expect(gate.waiting()).to.equal(0);
    expect(gate.held()).to.equal(false);
  });

  it('a write that throws leaves the gate free', async () => {
    let caught: unknown;
    await gate.run(() => db.prepare('INSERT INTO no_such_table VALUES (1)').run()).catch((e: unknown) => (caught = e));
    expect(String(caught)).to.match(/no such table/);
    expect(gate.held()).to.equal(false);
    const reply = await holder.request({ rows: ['thread'], holdMs: 1 });
    expect(reply.written).to.equal(1);
  });

  it('worker threads run at a lower CPU priority than the event loop (Linux)', async function () {
    if (!existsSync('/proc/thread-self')) this.skip();
    const { thread } = await holder.request({ type: 'thread' });
    const nice = (stat: string) => Number(procStatFields(stat)[16]);
    expect(nice(`/proc/self/task/${thread}/stat`)).to.equal(BACKGROUND_NICENESS);
    expect(nice('/proc/thread-self/stat')).to.equal(0);
  });
});

describe('write gate: a writer thread holds back while searches are in flight', function () {
  this.timeout(60_000);
  let db: Database;
  let file: string;
  const holders: PersistentWorker<unknown, { written?: number }>[] = [];
  const order = () => (db.prepare('SELECT who FROM writes ORDER BY id').pluck().all() as string[]);
  const startHolder = (gate: WriteGate, politeMs: number) => {
    const holder = new PersistentWorker<unknown, { written?: number }>(HOLDER, 'the gate holder', { workerData: { file, gate: gate.buffer, politeMs } });
    holders.push(holder);
    return holder;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeEach(() => {
    file = join(tempDataDir(), 'paperd.sqlite');
    db = openDatabase(file);
    db.exec('CREATE TABLE writes (id INTEGER PRIMARY KEY, who TEXT NOT NULL)');
  });

  afterEach(async () => {
    await Promise.all(holders.splice(0).map((h) => h.close()));
    db.close();
  });

  it('waits for the search to end before its transaction', async () => {
    const gate = new WriteGate(undefined, 10_000);
    const holder = startHolder(gate, 10_000);
    let endSearch!: () => void;
    const searching = gate.searching(() => new Promise<void>((r) => (endSearch = r)));
    expect(gate.searches()).to.equal(1);
    const writing = holder.request({ rows: ['thread'], holdMs: 1 });
    await sleep(300);
    // The search wrote nothing through the gate; the thread still holds back for it.
    expect(order(), 'nothing written while the search runs').to.deep.equal([]);
    db.prepare('INSERT INTO writes (who) VALUES (?)').run('search');
    endSearch();
    await searching;
    await writing;
    expect(order()).to.deep.equal(['search', 'thread']);
    expect(gate.searches()).to.equal(0);
  });

  it('holds back for a bounded time only: a search that never ends does not stop the writes', async () => {
    const gate = new WriteGate(undefined, 200);
    const holder = startHolder(gate, 200);
    void gate.searching(() => new Promise<void>(() => {}));
    const { written } = await holder.request({ rows: ['thread 1', 'thread 2'], holdMs: 1 });
    expect(written).to.equal(2);
    expect(order()).to.deep.equal(['thread 1', 'thread 2']);
    expect(gate.searches()).to.equal(1);
  });

  it('counts a search that fails out again, and lets event-loop batch work wait for searches to settle', async () => {
    const gate = new WriteGate(undefined, 10_000);
    const failed = await gate.searching(() => Promise.reject(new Error('bad query'))).catch((e: Error) => e.message);
    expect(failed).to.equal('bad query');
    expect(gate.searches()).to.equal(0);

    let endSearch!: () => void;
    const searching = gate.searching(() => new Promise<void>((r) => (endSearch = r)));
    let settled = false;
    const waiting = gate.searchesSettled(10_000).then(() => (settled = true));
    await sleep(100);
    expect(settled, 'still waiting while the search runs').to.equal(false);
    endSearch();
    await searching;
    await waiting;
    expect(settled).to.equal(true);

    // Bounded: a search that never ends lets the batch go after maxMs.
    void gate.searching(() => new Promise<void>(() => {}));
    await gate.searchesSettled(50);
    expect(gate.searches()).to.equal(1);
  });
});
