import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EmbeddedModelStore } from '../src/embedding/embedded-model-store.js';
import { EmbedderProvider } from '../src/embedding/embedder-provider.js';
import { fitWorkersRunning } from '../src/embedding/fit-lsa-in-worker.js';
import { fitLsa } from '../src/embedding/lsa/index.js';
import { SeededRandom } from '../src/embedding/lsa/seeded-random.js';
import { paperTexts } from '../src/embedding/paper-corpus.js';
import { silentLogger } from '../src/runtime/logger.js';
import { openDatabase, sqlitePath, type Database } from '../src/storage/sqlite/database.js';
import { ActorSystem, type InspectionEvent } from '../src/supervisors/index.js';
import { embedderRefitBehavior } from '../src/actors/embedder-refit.js';
import { tempDataDir } from './support/node-process.js';

/** `size` made-up words ("kalomi", "retusa"), so a corpus can have as large a vocabulary as a test needs. */
function madeUpWords(size: number, random: SeededRandom): string[] {
  const consonants = 'bdfgklmnprstvz';
  const vowels = 'aeiou';
  const words = new Set<string>();
  while (words.size < size) {
    let word = '';
    for (let s = 0; s < 3; s++) word += consonants[random.nextInt(consonants.length)]! + vowels[random.nextInt(vowels.length)]!;
    words.add(word);
  }
  return [...words];
}

/** Papers enough for a fit of seconds even on a fast machine: a test stops it well before it ends. */
const SLOW_TO_FIT = { papers: 3000, vocabulary: 6000, abstractWords: 120 } as const;

interface Corpus {
  readonly dataDir: string;
  readonly db: Database;
}

/**
 * A data dir whose SQLite file holds `papers` papers. Each paper draws the words of its title and
 * abstract from one of 8 topics, which split `vocabulary` made-up words between them.
 */
function corpus(papers: number, options: { vocabulary?: number; abstractWords?: number } = {}): Corpus {
  const random = new SeededRandom(11);
  const words = madeUpWords(options.vocabulary ?? 400, random);
  const topics = Array.from({ length: 8 }, (_, t) => words.filter((_, i) => i % 8 === t));
  const draw = (topic: string[], n: number) => Array.from({ length: n }, () => topic[random.nextInt(topic.length)]).join(' ');
  const dataDir = join(tempDataDir(), 'data');
  const db = openDatabase(sqlitePath(dataDir));
  const insert = db.prepare(`INSERT INTO papers (id, version, title, abstract, source, created_at, updated_at) VALUES (?, 1, ?, ?, 'test', 0, 0)`);
  db.transaction(() => {
    for (let i = 0; i < papers; i++) {
      const topic = topics[i % topics.length]!;
      insert.run(`p${i}`, draw(topic, 8), draw(topic, options.abstractWords ?? 40));
    }
  })();
  return { dataDir, db };
}

function outboxRows(db: Database): number {
  return (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
}

/** Lets the event loop turn `n` times (each a full pass, timers and I/O included). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Resolves once every fit worker's thread has stopped (the test's timeout bounds the wait). */
async function fitWorkersStopped(): Promise<number> {
  while (fitWorkersRunning() > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  return fitWorkersRunning();
}

describe('the embedded model is fitted in a worker thread', function () {
  this.timeout(120_000);
  const log = silentLogger();
  const open: Database[] = [];
  const track = (c: Corpus) => (open.push(c.db), c);
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
  });

  it('fits the same model as a fit on this thread over the same papers', async () => {
    const { dataDir, db } = track(corpus(300));
    const embedders = await EmbedderProvider.open(dataDir);
    const outcome = await embedders.refitIfDue(db, log);
    expect(outcome).to.include({ refitted: true, papers: 300 });

    // The same corpus and the default seed, fitted here: the same fit id is the same bytes.
    const local = await fitLsa(paperTexts(db), { dimensions: 256 });
    const fitted = embedders.current();
    expect(fitted.name).to.equal(local.name);
    const queries = ['kalomi retusa', 'the abstract of a paper', ...[...paperTexts(db)].slice(0, 3)];
    expect(await fitted.embed(queries)).to.deep.equal(await local.embed(queries));
  });

  it('activates the model it saved and queues every paper for re-embedding', async () => {
    const { dataDir, db } = track(corpus(250));
    const embedders = await EmbedderProvider.open(dataDir);
    const outcome = await embedders.refitIfDue(db, log);
    expect(outcome.refitted).to.equal(true);
    const models = new EmbeddedModelStore(dataDir);
    expect(embedders.current().name).to.equal(`lsa-v1-d256-${await models.activeFitId()}`);
    expect(embedders.fittedOn()).to.equal(250);
    expect(outboxRows(db)).to.equal(250);
    // Reopening the data dir finds the new model active.
    expect((await EmbedderProvider.open(dataDir)).current().name).to.equal(embedders.current().name);
  });

  it('keeps the event loop turning while it fits: the fit runs in a worker thread', async () => {
    const { dataDir, db } = track(corpus(600, { vocabulary: 2000 }));
    const embedders = await EmbedderProvider.open(dataDir);
    let settled = false;
    const refit = embedders.refitIfDue(db, log).finally(() => (settled = true));
    // A thread of its own is at work: this loop keeps turning meanwhile, and the fit is not done.
    await turns(50);
    expect(fitWorkersRunning()).to.equal(1);
    expect(settled).to.equal(false);
    expect((await refit).refitted).to.equal(true);
    expect(fitWorkersRunning()).to.equal(0);
  });

  it('rejects when the worker cannot read the papers, and keeps the current embedder', async () => {
    const { dataDir, db } = track(corpus(250));
    const embedders = await EmbedderProvider.open(dataDir);
    const before = embedders.current().name;
    // This connection keeps reading the unlinked file; the worker finds no file to open.
    for (const suffix of ['', '-wal', '-shm']) rmSync(db.name + suffix, { force: true });
    const error = await embedders.refitIfDue(db, log).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The worker's SqliteError, its message and code intact across the thread boundary.
    expect(error).to.be.instanceOf(Error);
    expect(error).to.include({ name: 'SqliteError', code: 'SQLITE_CANTOPEN' });
    expect((error as Error).message).to.match(/unable to open database file/);
    expect(embedders.current().name).to.equal(before);
    expect(await new EmbeddedModelStore(dataDir).activeFitId()).to.equal(undefined);
    expect(outboxRows(db)).to.equal(0);
  });

  it('keeps the current embedder when the corpus has nothing to learn from', async () => {
    const { dataDir, db } = track(corpus(0));
    const same = db.prepare(`INSERT INTO papers (id, version, title, abstract, source, created_at, updated_at) VALUES (?, 1, 'same words', 'same words again', 'test', 0, 0)`);
    for (let i = 0; i < 220; i++) same.run(`s${i}`);
    const embedders = await EmbedderProvider.open(dataDir);
    expect(await embedders.refitIfDue(db, log)).to.deep.equal({ refitted: false, papers: 220 });
    expect(embedders.current().name).to.match(/^hash-/);
    expect(outboxRows(db)).to.equal(0);
  });

  it('stops a fit in progress when the provider closes: the worker is terminated and the current embedder kept', async () => {
    const { dataDir, db } = track(corpus(SLOW_TO_FIT.papers, SLOW_TO_FIT));
    const embedders = await EmbedderProvider.open(dataDir);
    const refit = embedders.refitIfDue(db, log);
    // Into the fit (which takes seconds), past the worker's start.
    setTimeout(() => embedders.close(), 500);
    const error = await refit.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).name).to.equal('AbortError');
    // Terminated, not left to finish: its thread stopped before the refit settled.
    expect(fitWorkersRunning()).to.equal(0);
    expect(embedders.current().name).to.match(/^hash-/);
    expect(await new EmbeddedModelStore(dataDir).list()).to.deep.equal([]);
    expect(outboxRows(db)).to.equal(0);
    // Closed is closed: a later refit is refused at once.
    expect(await embedders.refitIfDue(db, log, { force: true }).then(() => 'fitted', (e: Error) => e.name)).to.equal('AbortError');
  });

  it('stops a fit in progress when its signal aborts', async () => {
    const { dataDir, db } = track(corpus(SLOW_TO_FIT.papers, SLOW_TO_FIT));
    const embedders = await EmbedderProvider.open(dataDir);
    const controller = new AbortController();
    const refit = embedders.refitIfDue(db, log, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 500);
    expect(await refit.then(() => 'fitted', (e: Error) => e.message)).to.equal('shutting down');
    expect(fitWorkersRunning()).to.equal(0);
    expect(embedders.current().name).to.match(/^hash-/);
  });
});

describe('the embedder-refit actor stops a fit in progress', function () {
  this.timeout(60_000);
  const open: Database[] = [];
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
  });

  /** The actor alone under a root supervisor, checking at once; records what the tree reports. */
  async function refitActor(shutdownMs: number) {
    const c = corpus(SLOW_TO_FIT.papers, SLOW_TO_FIT);
    open.push(c.db);
    const embedders = await EmbedderProvider.open(c.dataDir);
    const system = new ActorSystem();
    const events: InspectionEvent['type'][] = [];
    system.registry.inspect((e) => events.push(e.type));
    const refit = system.worker('embedder-refit', embedderRefitBehavior({ db: c.db, embedders, everyMs: 60_000, refitted: () => {} }), { shutdownMs });
    await system.start(system.supervisor('root', [refit]), () => {});
    // Into the fit (which takes seconds), but not through it.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { ...c, embedders, system, events };
  }

  it('when its handler is given up on after shutdownMs: the worker is terminated, and the stop is no crash', async () => {
    const { dataDir, embedders, system, events } = await refitActor(100);
    expect(fitWorkersRunning()).to.equal(1);
    await system.shutdown();
    expect(await fitWorkersStopped()).to.equal(0);
    expect(embedders.current().name).to.match(/^hash-/);
    expect(await new EmbeddedModelStore(dataDir).list()).to.deep.equal([]);
    expect(events).to.not.include('actor.failed');
  });

  it('when the provider closes first, so that shutdown need not wait for the fit', async () => {
    // Far past the test's timeout: a shutdown that waited for the fit would fail the test.
    const { dataDir, embedders, system, events } = await refitActor(10 * 60_000);
    expect(fitWorkersRunning()).to.equal(1);
    embedders.close();
    await system.shutdown();
    expect(fitWorkersRunning()).to.equal(0);
    expect(embedders.current().name).to.match(/^hash-/);
    expect(await new EmbeddedModelStore(dataDir).list()).to.deep.equal([]);
    expect(events).to.not.include('actor.failed');
  });
});
