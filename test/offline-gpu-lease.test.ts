import { expect } from 'chai';
import { Value } from '@sinclair/typebox/value';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LlmConfigSchema, LlmRouter, type LlmConfig } from '../src/inference/index.js';
import { GpuLeases, OfflineStore, OnlineLoad, routerDemand, Scheduler, withGpuLease, type JobClass } from '../src/offline/index.js';
import { systemClock } from '../src/runtime/clock.js';
import { silentLogger } from '../src/runtime/logger.js';
import { openDatabase, type Database } from '../src/storage/sqlite/database.js';
import { FakeLlmServer, fakeReply } from './support/fake-llm-server.js';
import { tempDataDir } from './support/node-process.js';
import { NO_LOAD_LIMITS } from './support/offline-classes.js';
import { until } from './support/until.js';

const ask = (prompt: string) => ({ model: 'm', messages: [{ role: 'user' as const, content: prompt }] });

describe('GPU lease', function () {
  this.timeout(60_000);
  let dir: string;
  let db: Database;
  let gpu: FakeLlmServer;
  let router: LlmRouter;
  let scheduler: Scheduler | undefined;

  beforeEach(async () => {
    dir = tempDataDir();
    db = openDatabase(join(dir, 'paperd.sqlite'));
    gpu = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu' });
    const config = Value.Default(LlmConfigSchema, { endpoints: [{ name: 'gpu', kind: 'vllm', baseUrl: gpu.baseUrl, concurrency: 1 }], probe: { intervalMs: 0 } }) as LlmConfig;
    router = LlmRouter.fromConfig(config, {});
  });
  afterEach(async () => {
    await scheduler?.stop();
    await router.stop();
    await gpu.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('batch work holds the GPU until online requests queue there, then gives it back and online goes first', async () => {
    const leases = new GpuLeases(db, ['gpu'], routerDemand(() => router.snapshot()), silentLogger());
    const seen = { sent: 0, aborted: 0, refused: 0 };
    const reembed: JobClass = {
      name: 'reembed',
      priority: 5,
      pending: () => ({ queued: 1 }),
      async run(step) {
        const ran = await withGpuLease(leases, 'gpu', 'reembed', step.signal, 60_000, async (signal) => {
          let done = 0;
          while (step.mayContinue() && !signal.aborted) {
            seen.sent++;
            try {
              await router.chat(ask(`batch-${seen.sent}`), { priority: 'offline', signal });
              done++;
            } catch {
              if (signal.aborted) seen.aborted++;
            }
          }
          return done;
        });
        if (ran === undefined) seen.refused++;
        return { done: ran ?? 0, more: true };
      },
    };
    scheduler = new Scheduler({ store: new OfflineStore(db), load: new OnlineLoad({}, NO_LOAD_LIMITS), clock: systemClock(), log: silentLogger(), tickMs: 20, stepMs: 60_000, gpuLeases: leases });
    scheduler.register(reembed);
    gpu.set({ type: 'hold' });
    scheduler.start();
    await until('a batch request on the GPU', async () => (gpu.heldCount === 1 ? true : undefined), 10_000);
    expect(scheduler.snapshot().gpuLeases[0]!.holder).to.equal('reembed');

    // A person asks: the request queues behind the batch one, and the lease is taken back.
    const online = router.chat(ask('online'));
    await until('the batch request to be aborted', async () => (seen.aborted === 1 ? true : undefined), 10_000);
    await until('the online request to reach the GPU', async () => (gpu.requests.some((r) => r.prompt === 'online') ? true : undefined), 10_000);
    gpu.set({ type: 'ok' });
    gpu.release();
    expect((await online).choices[0]!.message.content).to.equal(fakeReply('gpu', 'online'));

    const prompts = gpu.requests.filter((r) => r.method === 'POST').map((r) => r.prompt);
    expect(prompts.slice(0, 2)).to.deep.equal(['batch-1', 'online']);
    // The batch work comes back once nobody online waits.
    await until('batch work again', async () => (gpu.requests.filter((r) => r.method === 'POST').length > 3 ? true : undefined), 10_000);
  });

  it('is not granted while online requests queue at the node, and a lease past its time is free', async () => {
    let demand = true;
    let now = 1_000;
    const leases = new GpuLeases(db, ['gpu'], () => demand, silentLogger(), () => now);
    expect(leases.acquire('gpu', 'ocr', 10_000)).to.equal(undefined);
    demand = false;
    const held = leases.acquire('gpu', 'ocr', 10_000)!;
    expect(held).to.not.equal(undefined);
    expect(leases.acquire('gpu', 'reembed', 10_000), 'held by another').to.equal(undefined);
    expect(leases.list()).to.deep.equal([{ node: 'gpu', holder: 'ocr', until: 11_000 }]);
    now = 12_000;
    expect(leases.list()).to.deep.equal([{ node: 'gpu', holder: null, until: null }]);
    expect(held.renew(5_000), 'an expired lease cannot be renewed').to.equal(false);
    const other = leases.acquire('gpu', 'reembed', 10_000);
    expect(other?.holder).to.equal('reembed');
    expect(held.signal.aborted, 'the old holder learns it lost the lease').to.equal(true);
  });
});
