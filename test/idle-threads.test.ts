import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BACKGROUND_NICENESS, procStatFields, SCHED_IDLE } from '../src/runtime/background-thread.js';
import { IdleThreads } from '../src/runtime/idle-threads.js';
import { PersistentWorker } from '../src/runtime/persistent-worker.js';
import type { SearchRead, SearchReadAnswer } from '../src/search/search-reads.js';
import type { SearchReaderData } from '../src/search/search-readers.js';
import { openDatabase } from '../src/storage/sqlite/database.js';

/** Nice value and scheduling policy of each thread of this process, by task id. */
function threads(): Map<string, { nice: number; policy: number }> {
  return new Map(
    fs.readdirSync('/proc/self/task').flatMap((tid) => {
      try {
        const fields = procStatFields(`/proc/self/task/${tid}/stat`);
        return [[tid, { nice: Number(fields[16]), policy: Number(fields[38]) }] as const];
      } catch {
        return []; // A thread that ended since the listing.
      }
    }),
  );
}

describe('idle threads: batch worker threads run only on cores nothing else wants (Linux)', function () {
  this.timeout(60_000);
  let dir: string;
  const workers: PersistentWorker<SearchRead, SearchReadAnswer>[] = [];
  const helpers: IdleThreads[] = [];

  /** Starts a reader thread as batch work (or as foreground work) and returns its threads' settings once it answered. */
  async function startThread(foreground: boolean, until: (t: { nice: number; policy: number }[]) => boolean = () => true) {
    const before = threads();
    const worker = new PersistentWorker<SearchRead, SearchReadAnswer>(new URL('../src/search/search-read-worker.ts', import.meta.url), 'a reader', {
      workerData: { file: path.join(dir, 'paperd.sqlite'), cacheKib: 1024 } satisfies SearchReaderData,
      foreground,
    });
    workers.push(worker);
    await worker.request({ kind: 'facets', ids: [] });
    // The helper runs `chrt` a moment after the thread asked.
    let started: { nice: number; policy: number }[] = [];
    for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      started = [...threads()].filter(([tid]) => !before.has(tid)).map(([, t]) => t);
      if (until(started)) break;
    }
    return started;
  }

  before(function () {
    if (!fs.existsSync('/proc/thread-self')) this.skip(); // policies are read per thread from /proc
    if (spawnSync('chrt', ['--version']).status !== 0) this.skip(); // no util-linux chrt: threads keep nice 10
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-idle-'));
    openDatabase(path.join(dir, 'paperd.sqlite')).close();
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.close()));
    for (const helper of helpers.splice(0)) helper.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('without the helper a batch thread keeps nice 10 and the normal policy', async () => {
    const started = await startThread(false);
    expect(started.map((t) => t.nice)).to.include(BACKGROUND_NICENESS);
    expect(started.map((t) => t.policy)).to.not.include(SCHED_IDLE);
  });

  it('with the helper a batch thread moves to SCHED_IDLE, while a foreground thread and this one keep the normal policy', async () => {
    const helper = new IdleThreads();
    helpers.push(helper);
    helper.start();
    const batch = await startThread(false, (t) => t.some((x) => x.policy === SCHED_IDLE));
    expect(batch.filter((t) => t.policy === SCHED_IDLE).map((t) => t.nice)).to.deep.equal([BACKGROUND_NICENESS]);

    const foreground = await startThread(true);
    expect(foreground.length).to.be.at.least(1);
    expect(foreground.map((t) => t.policy)).to.not.include(SCHED_IDLE);
    expect(Number(procStatFields('/proc/thread-self/stat')[38])).to.equal(0);
  });
});
