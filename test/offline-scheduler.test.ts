import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { UnknownJobClassError } from '../src/errors.js';
import { OfflineStore, OnlineLoad, Scheduler, type JobClass, type LoadThresholds } from '../src/offline/index.js';
import { HourlyBudget } from '../src/offline/rate-meter.js';
import { ApiLatency } from '../src/offline/api-latency.js';
import { silentLogger } from '../src/runtime/logger.js';
import { systemClock } from '../src/runtime/clock.js';
import { openDatabase, type Database } from '../src/storage/sqlite/database.js';
import { countingClass } from './support/offline-classes.js';
import { tempDataDir } from './support/node-process.js';
import { until } from './support/until.js';

const thresholds: LoadThresholds = {
  depth: { moderate: 1, high: 10 },
  apiP95Ms: { moderate: 1e9, high: 1e9 },
  apiSlowdown: { moderate: 1e9, high: 1e9 },
  llmOnlineQueued: { moderate: 1e9, high: 1e9 },
  cpu: { moderate: 1e9, high: 1e9 },
};

describe('offline scheduler', function () {
  let dir: string;
  let db: Database;
  const schedulers: Scheduler[] = [];
  const signals = { depth: 0 };

  function scheduler(options: { concurrency?: number } = {}): Scheduler {
    const s = new Scheduler({
      store: new OfflineStore(db),
      load: new OnlineLoad({ depth: () => signals.depth }, thresholds),
      clock: systemClock(),
      log: silentLogger(),
      tickMs: 20,
      stepMs: 200,
      ...options,
    });
    schedulers.push(s);
    return s;
  }

  beforeEach(() => {
    dir = tempDataDir();
    db = openDatabase(join(dir, 'paperd.sqlite'));
    signals.depth = 0;
  });
  afterEach(async () => {
    await Promise.all(schedulers.splice(0).map((s) => s.stop()));
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a class to the end in bounded steps, counting what it did', async () => {
    const s = scheduler();
    const { cls, log } = countingClass('count', 150);
    s.register(cls);
    s.start();
    await until('the class to finish', async () => (s.snapshot().classes[0]!.state === 'idle' ? true : undefined), 20_000);
    expect(log.units).to.deep.equal([...Array(150).keys()]);
    expect(log.steps).to.be.greaterThan(1);
    expect(s.snapshot().classes[0]).to.include({ name: 'count', done: 150, failed: 0, queued: 0, etaSeconds: 0 });
  });

  it('pausing aborts the running step at once, persists, and a new scheduler on the same store stays paused where it stopped', async () => {
    const s = scheduler();
    const { cls, log } = countingClass('count', 100_000, { unitMs: 5 });
    s.register(cls);
    s.start();
    await until('some units', async () => (log.units.length > 5 ? true : undefined));
    const snap = s.pause('count');
    expect(snap.classes[0]).to.include({ paused: true, state: 'paused' });
    await until('the step to return', async () => (s.snapshot().classes[0]!.running === 0 ? true : undefined), 5_000);
    // Taken back mid-unit (aborted) or between units (mayContinue said no): either way it stopped.
    expect(log.aborted).to.be.at.most(1);
    const stoppedAt = log.units.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(log.units.length).to.equal(stoppedAt);
    await s.stop();

    const again = scheduler();
    const second = countingClass('count', 100_000, { unitMs: 5 });
    again.register(second.cls);
    again.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(again.snapshot().classes[0]).to.include({ paused: true, state: 'paused', done: stoppedAt });
    expect(second.log.steps).to.equal(0);
    again.resume('count');
    await until('units after the resume', async () => (second.log.units.length > 3 ? true : undefined));
    // It continued from its cursor: no unit done twice.
    expect(second.log.units[0]).to.equal(stoppedAt);
  });

  it('pausing everything pauses every class, and resuming everything resumes them', async () => {
    const s = scheduler({ concurrency: 2 });
    const a = countingClass('a', 100_000, { unitMs: 5 });
    const b = countingClass('b', 100_000, { unitMs: 5 });
    s.register(a.cls);
    s.register(b.cls);
    s.start();
    await until('both running', async () => (a.log.units.length > 2 && b.log.units.length > 2 ? true : undefined));
    const paused = s.pause();
    expect(paused.paused).to.equal(true);
    expect(paused.classes.map((c) => c.state)).to.deep.equal(['paused', 'paused']);
    await until('both steps returned', async () => (s.snapshot().classes.every((c) => c.running === 0) ? true : undefined), 5_000);
    const resumed = s.resume();
    expect(resumed.paused).to.equal(false);
    const before = a.log.units.length;
    await until('a continues', async () => (a.log.units.length > before + 2 ? true : undefined));
  });

  it('yields when online load rises and runs again once it falls', async () => {
    const s = scheduler();
    const { cls, log } = countingClass('count', 100_000, { unitMs: 5 });
    s.register(cls);
    s.start();
    await until('some units', async () => (log.units.length > 5 ? true : undefined));
    signals.depth = 50;
    await until('the step to yield', async () => (s.snapshot().classes[0]!.state === 'waiting' ? true : undefined), 5_000);
    const held = log.units.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(log.units.length).to.equal(held);
    expect(s.snapshot().classes[0]!.note).to.contain('online load high');
    signals.depth = 0;
    await until('work again', async () => (log.units.length > held + 3 ? true : undefined));
  });

  it('under moderate load runs only the class whose off-peak window is open', async () => {
    const hour = new Date().getHours();
    const s = scheduler({ concurrency: 2 });
    const open = countingClass('open', 100_000, { window: { cron: `0 ${hour} * * *`, minutes: 120 } });
    const shut = countingClass('shut', 100_000, { window: { cron: `0 ${(hour + 12) % 24} * * *`, minutes: 60 } });
    signals.depth = 5;
    s.register(open.cls);
    s.register(shut.cls);
    s.start();
    await until('the open class to work', async () => (open.log.units.length > 3 ? true : undefined));
    expect(shut.log.steps).to.equal(0);
    const view = s.snapshot().classes.find((c) => c.name === 'shut')!;
    expect(view).to.include({ state: 'waiting' });
    expect(view.window).to.equal(`0 ${(hour + 12) % 24} * * * +60min`);
  });

  it('runs the class of higher priority first when only one step may run', async () => {
    const s = scheduler({ concurrency: 1 });
    const timeline: string[] = [];
    const low = countingClass('low', 20, { priority: 20, timeline });
    const high = countingClass('high', 20, { priority: 1, timeline });
    s.register(low.cls);
    s.register(high.cls);
    s.start();
    await until('both done', async () => (s.snapshot().classes.every((c) => c.state === 'idle') ? true : undefined), 10_000);
    expect(low.log.units.length).to.equal(20);
    expect(s.snapshot().classes.map((c) => c.name)).to.deep.equal(['high', 'low']);
    expect(timeline).to.deep.equal([...Array(20).fill('high'), ...Array(20).fill('low')]);
  });

  it('refuses to pause a class it does not have, naming the ones it has', () => {
    const s = scheduler();
    s.register(countingClass('count', 1).cls);
    expect(() => s.pause('nope')).to.throw(UnknownJobClassError, /count/);
    expect(() => s.register(countingClass('count', 1).cls)).to.throw(/registered already/);
  });

  it('holds a class to its requests per hour at each LLM endpoint', async () => {
    const s = new Scheduler({
      store: new OfflineStore(db), load: new OnlineLoad({}, thresholds), clock: systemClock(), log: silentLogger(), tickMs: 20,
      classSettings: { asker: { quota: { llmRequestsPerHour: { gpu: 3 } } } },
    });
    schedulers.push(s);
    const answers: boolean[] = [];
    let ran = false;
    const asker: JobClass = {
      name: 'asker',
      priority: 1,
      pending: () => ({ queued: ran ? 0 : 1 }),
      async run(step) {
        ran = true;
        for (let i = 0; i < 5; i++) answers.push(step.takeLlmRequest('gpu'));
        answers.push(step.takeLlmRequest('mac'));
        return { done: 1, more: false };
      },
    };
    s.register(asker);
    s.start();
    await until('the step', async () => (answers.length === 6 ? true : undefined));
    expect(answers).to.deep.equal([true, true, true, false, false, true]);
  });

  it('refills an hourly budget continuously', () => {
    let now = 0;
    const budget = new HourlyBudget(60, () => now);
    for (let i = 0; i < 60; i++) expect(budget.take()).to.equal(true);
    expect(budget.take()).to.equal(false);
    now += 59_000;
    expect(budget.take(), 'not yet a minute').to.equal(false);
    now += 1_000;
    expect(budget.take(), 'one a minute').to.equal(true);
    expect(budget.take()).to.equal(false);
  });

  it('measures how much slower the API answers while offline work runs than while it does not', () => {
    let now = 0;
    let offline = false;
    const latency = new ApiLatency(10_000, 2_000, () => now);
    latency.offlineActive = () => offline;
    for (let i = 0; i < 40; i++) (now += 10, latency.record(10));
    expect(latency.slowdown()).to.equal(1);
    offline = true;
    now += 6_000;
    for (let i = 0; i < 20; i++) (now += 10, latency.record(30));
    expect(latency.slowdown()).to.equal(3);
    const load = new OnlineLoad({ apiSlowdown: () => latency.slowdown() }, { ...thresholds, apiSlowdown: { moderate: 1.2, high: 1.4 } });
    expect(load.read()).to.deep.include({ level: 'high', apiSlowdown: 3 });
    now += 6_000;
    expect(latency.slowdown(), 'no recent requests: nothing to say').to.equal(1);
  });
});
