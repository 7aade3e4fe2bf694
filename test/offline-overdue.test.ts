import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { OfflineStore, OnlineLoad, Scheduler } from '../src/offline/index.js';
import { maintenanceClass } from '../src/offline/maintenance/maintenance-class.js';
import type { MaintenanceTask } from '../src/offline/maintenance/maintenance-task.js';
import { systemClock } from '../src/runtime/clock.js';
import { silentLogger } from '../src/runtime/logger.js';
import { openDatabase, type Database } from '../src/storage/sqlite/database.js';
import { tempDataDir } from './support/node-process.js';
import { until } from './support/until.js';

describe('overdue maintenance under a load that never lets up', function () {
  this.timeout(30_000);
  let dir: string;
  let db: Database;
  let scheduler: Scheduler | undefined;

  beforeEach(() => {
    dir = tempDataDir();
    db = openDatabase(join(dir, 'paperd.sqlite'));
  });
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = undefined;
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A task that records each run and whether it ran as overdue-only. */
  function task(name: string, everyMs: number, overdueAfterMs?: number) {
    const runs: { at: number }[] = [];
    const t: MaintenanceTask = {
      name,
      everyMs,
      ...(overdueAfterMs === undefined ? {} : { overdueAfterMs }),
      async run() {
        runs.push({ at: Date.now() });
        return { finished: true };
      },
    };
    return { task: t, runs };
  }

  it('runs only the overdue task while online load is high, each time it is overdue again, and the rest once load falls', async () => {
    let depth = 10;
    const load = new OnlineLoad({ depth: () => depth }, { depth: { moderate: 1, high: 1 } });
    const store = new OfflineStore(db);
    const compaction = task('compaction', 50, 400);
    const merge = task('merge', 50);
    scheduler = new Scheduler({ store, load, clock: systemClock(), log: silentLogger(), tickMs: 10, stepMs: 1_000 });
    scheduler.register(maintenanceClass([compaction.task, merge.task], { now: Date.now, lastOf: () => store.get('maintenance').cursor as never }));
    scheduler.start();

    // Never run: overdue at once, and it runs although the load is high; the merge waits.
    await until('the overdue compaction', async () => (compaction.runs.length === 1 ? true : undefined), 5_000);
    const view = scheduler.snapshot().classes.find((c) => c.name === 'maintenance')!;
    expect(view.state).to.equal('waiting');
    expect(view.note).to.match(/^online load high/);
    // Overdue again 400 ms after it last finished, not sooner (it is due every 50 ms).
    await until('the compaction overdue again', async () => (compaction.runs.length === 2 ? true : undefined), 5_000);
    expect(compaction.runs[1]!.at - compaction.runs[0]!.at).to.be.at.least(400);
    expect(merge.runs, 'a task with no overdue limit waits for room').to.have.length(0);

    depth = 0;
    await until('the merge once the load falls', async () => (merge.runs.length > 0 ? true : undefined), 5_000);
  });

  it('a paused class stays paused even when overdue', async () => {
    const load = new OnlineLoad({ depth: () => 10 }, { depth: { moderate: 1, high: 1 } });
    const store = new OfflineStore(db);
    const compaction = task('compaction', 50, 100);
    scheduler = new Scheduler({ store, load, clock: systemClock(), log: silentLogger(), tickMs: 10, stepMs: 1_000 });
    scheduler.register(maintenanceClass([compaction.task], { now: Date.now, lastOf: () => store.get('maintenance').cursor as never }));
    scheduler.pause('maintenance');
    scheduler.start();
    // Bounded by ticks rather than time: 30 ticks of 10 ms each see the class paused.
    for (let i = 0; i < 30; i++) await new Promise((r) => setTimeout(r, 10));
    expect(compaction.runs).to.have.length(0);
    scheduler.resume('maintenance');
    await until('the compaction once resumed', async () => (compaction.runs.length > 0 ? true : undefined), 5_000);
  });
});
