import { expect } from 'chai';
import { Value } from '@sinclair/typebox/value';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { gpuTelemetryBehavior } from '../src/actors/gpu-telemetry.js';
import { LlmConfigSchema, LlmRouter, type LlmConfig } from '../src/inference/index.js';
import { GpuLeases, OfflineStore, OnlineLoad, routerDemand, Scheduler, withGpuLease, type JobClass } from '../src/offline/index.js';
import { gpuHeat } from '../src/ops/gpu/heat.js';
import { GpuTelemetry } from '../src/ops/gpu/telemetry.js';
import { systemClock } from '../src/runtime/clock.js';
import { openDatabase, type Database } from '../src/storage/sqlite/database.js';
import { ActorSystem, ask } from '../src/supervisors/index.js';
import { FakeLlmServer } from './support/fake-llm-server.js';
import { tempDataDir } from './support/node-process.js';
import { fakeNvidiaSmi, type NvidiaSmiScenario } from './support/ops-fake-nvidia-smi.js';
import { NO_LOAD_LIMITS } from './support/offline-classes.js';
import { until } from './support/until.js';

const silent = pino({ level: 'silent' });

describe('GPU heat and the offline scheduler', function () {
  this.timeout(60_000);
  let dir: string;
  let db: Database;
  let gpuServer: FakeLlmServer;
  let router: LlmRouter;
  let scheduler: Scheduler | undefined;
  let fake: ReturnType<typeof fakeNvidiaSmi>;
  const path = process.env.PATH;

  beforeEach(async () => {
    dir = tempDataDir();
    db = openDatabase(join(dir, 'paperd.sqlite'));
    gpuServer = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', tokenDelayMs: 2 });
    const config = Value.Default(LlmConfigSchema, { endpoints: [{ name: 'gpu', kind: 'vllm', baseUrl: gpuServer.baseUrl, concurrency: 1 }], probe: { intervalMs: 0 } }) as LlmConfig;
    router = LlmRouter.fromConfig(config, {});
    // The telemetry runs plain `nvidia-smi`, found on the PATH, as on a GPU machine.
    fake = fakeNvidiaSmi('busy');
    process.env.PATH = `${fake.dir}:${path}`;
  });
  afterEach(async () => {
    process.env.PATH = path;
    await scheduler?.stop();
    scheduler = undefined;
    await router.stop();
    await gpuServer.close();
    db.close();
    fake.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A batch class that needs the GPU lease for each step, sending requests while it holds it. */
  function reembedOn(leases: GpuLeases) {
    const seen = { granted: 0, refused: 0, sent: 0, takenBack: 0 };
    const cls: JobClass = {
      name: 'reembed',
      priority: 5,
      pending: () => ({ queued: 1 }),
      async run(step) {
        const ran = await withGpuLease(leases, 'gpu', 'reembed', step.signal, 60_000, async (signal) => {
          seen.granted++;
          let done = 0;
          while (step.mayContinue() && !signal.aborted) {
            seen.sent++;
            try {
              await router.chat({ model: 'm', messages: [{ role: 'user', content: `batch-${seen.sent}` }] }, { priority: 'offline', signal });
              done++;
            } catch {
              if (signal.aborted) seen.takenBack++;
            }
          }
          return done;
        });
        if (ran === undefined) seen.refused++;
        // Refused: wait for the next tick rather than spin.
        return { done: ran ?? 0, more: ran !== undefined };
      },
    };
    return { cls, seen };
  }

  const batchRequests = () => gpuServer.requests.filter((r) => r.method === 'POST' && r.prompt?.startsWith('batch-')).length;

  it('a hot GPU gets no lease and the running job stops at its next step; it resumes only once below the lower mark', async () => {
    const telemetry = new GpuTelemetry({ command: 'nvidia-smi', pauseAtC: 83, resumeBelowC: 75, log: silent });
    const heat = gpuHeat({ local: telemetry, endpoints: [{ name: 'gpu', kind: 'vllm' }], everyMs: 1_000, now: Date.now, log: silent });
    const leases = new GpuLeases(db, ['gpu'], routerDemand(() => router.snapshot()), silent, Date.now, heat);
    const { cls, seen } = reembedOn(leases);
    scheduler = new Scheduler({ store: new OfflineStore(db), load: new OnlineLoad({}, NO_LOAD_LIMITS), clock: systemClock(), log: silent, tickMs: 20, stepMs: 60_000, gpuLeases: leases });
    scheduler.register(cls);
    await telemetry.read(Date.now());
    expect(telemetry.gpuHot(), 'busy at 71 °C with a power cap').to.equal(false);
    scheduler.start();
    await until('batch requests on the GPU', async () => (batchRequests() >= 3 ? true : undefined), 10_000);
    expect(scheduler.snapshot().gpuLeases[0]).to.include({ holder: 'reembed' });

    // The second card reaches 86 °C: the lease is taken back at the next tick, the step's work stops.
    fake.set('hot');
    await telemetry.read(Date.now());
    await until('the lease taken back', async () => (seen.takenBack + seen.refused > 0 && !scheduler!.busy() ? true : undefined), 10_000);
    const lease = scheduler.snapshot().gpuLeases[0]!;
    expect(lease.holder).to.equal(null);
    expect(lease.hot).to.equal('GPU 1 at 86 °C (pause at 83 °C)');
    const grantedWhenHot = seen.granted;
    const refusedWhenHot = seen.refused;
    await until('steps refused the lease while hot', async () => (seen.refused >= refusedWhenHot + 5 ? true : undefined), 10_000);
    expect(seen.granted, 'no lease while hot').to.equal(grantedWhenHot);
    // The request aborted when the lease was taken back may reach the fake after the abort: count from here.
    const sentWhenHot = batchRequests();

    // 79 °C and 76 °C: cooler than the pause mark, not below the resume mark (hysteresis).
    fake.set('warm');
    await telemetry.read(Date.now());
    const refusedWhenWarm = seen.refused;
    await until('steps refused the lease while warm', async () => (seen.refused >= refusedWhenWarm + 5 ? true : undefined), 10_000);
    expect(seen.granted, 'no lease while warm').to.equal(grantedWhenHot);
    expect(batchRequests(), 'no batch request reached the GPU while it was hot or warm').to.be.at.most(sentWhenHot);
    expect(leases.heldBackForHeat.get('gpu')).to.be.at.least(10);

    // Below 75 °C on every card, no throttling: the work comes back.
    fake.set('cool');
    await telemetry.read(Date.now());
    await until('batch requests again', async () => (batchRequests() >= sentWhenHot + 3 ? true : undefined), 10_000);
    expect(seen.granted).to.be.greaterThan(grantedWhenHot);
    expect(scheduler.snapshot().gpuLeases[0]!.hot).to.equal(undefined);
  });

  it('a GPU slowing itself down for heat is hot even under the pause mark', async () => {
    const telemetry = new GpuTelemetry({ command: 'nvidia-smi', pauseAtC: 83, resumeBelowC: 75, log: silent });
    const heat = gpuHeat({ local: telemetry, endpoints: [{ name: 'gpu', kind: 'vllm' }], everyMs: 1_000, now: Date.now, log: silent });
    const leases = new GpuLeases(db, ['gpu'], () => false, silent, Date.now, heat);
    fake.set('throttling');
    await telemetry.read(Date.now());
    expect(leases.acquire('gpu', 'ocr', 10_000)).to.equal(undefined);
    expect(leases.list()[0]!.hot).to.equal('GPU 0 throttling (sw_thermal_slowdown, hw_thermal_slowdown)');
    fake.set('cool');
    await telemetry.read(Date.now());
    const held = leases.acquire('gpu', 'ocr', 10_000);
    expect(held?.holder).to.equal('ocr');
    held!.release();
  });

  it('no GPU: the readings say so and batch work leases the node as before', async () => {
    fake.set('noDevices');
    const telemetry = new GpuTelemetry({ command: 'nvidia-smi', pauseAtC: 83, resumeBelowC: 75, log: silent });
    const heat = gpuHeat({ local: telemetry, endpoints: [{ name: 'gpu', kind: 'vllm' }], everyMs: 1_000, now: Date.now, log: silent });
    const leases = new GpuLeases(db, ['gpu'], routerDemand(() => router.snapshot()), silent, Date.now, heat);
    const { cls, seen } = reembedOn(leases);
    scheduler = new Scheduler({ store: new OfflineStore(db), load: new OnlineLoad({}, NO_LOAD_LIMITS), clock: systemClock(), log: silent, tickMs: 20, stepMs: 200, gpuLeases: leases });
    scheduler.register(cls);
    await telemetry.read(Date.now());
    expect(telemetry.status()).to.include({ state: 'none', reason: 'No devices were found', hot: false });
    scheduler.start();
    await until('several steps, each with the lease', async () => (seen.granted >= 3 && batchRequests() >= 3 ? true : undefined), 20_000);
    expect(seen.refused).to.equal(0);
    expect(leases.heldBackForHeat.size).to.equal(0);
    expect(fake.calls().length, 'nvidia-smi was asked').to.be.at.least(1);
  });

  it('a remote GPU node: its own telemetry actor decides, and the main node reads the verdict from its tree', async () => {
    // The GPU node's side: its telemetry actor in a real actor system, reading the fake nvidia-smi.
    const telemetry = new GpuTelemetry({ command: 'nvidia-smi', pauseAtC: 83, resumeBelowC: 75, log: silent });
    const system = new ActorSystem();
    const reader = system.worker('gpu-telemetry', gpuTelemetryBehavior({ telemetry, everyMs: 60_000 }));
    await system.start(system.supervisor('root', [reader]), () => {});
    try {
      let asked = 0;
      let now = 0;
      // The main node's side: no GPU of its own; the lease `gpu` is the endpoint served by peer `gpu-box`.
      const heat = gpuHeat({
        local: undefined,
        endpoints: [{ name: 'gpu', kind: 'remote', node: 'gpu-box' }, { name: 'cpu-llm', kind: 'ollama' }],
        nodes: async () => {
          asked++;
          return [{ name: 'main', self: true, tree: [] }, { name: 'gpu-box', self: false, tree: system.registry.tree() }];
        },
        everyMs: 5_000,
        now: () => now,
        log: silent,
      });
      await ask(reader.ref, { type: 'readGpus' }, 5_000);
      await heat.refresh();
      expect(heat('gpu')).to.equal(undefined);

      fake.set('throttling');
      await ask(reader.ref, { type: 'readGpus' }, 5_000);
      expect(heat('gpu'), 'cached until everyMs has passed').to.equal(undefined);
      now += 5_000;
      heat('gpu'); // starts a refresh in the background
      await until('the peer asked again', async () => (asked >= 2 && heat('gpu') !== undefined ? true : undefined), 5_000);
      expect(heat('gpu')).to.equal('node gpu-box: GPU 0 throttling (sw_thermal_slowdown, hw_thermal_slowdown)');
      expect(heat('cpu-llm'), 'a local endpoint with no telemetry here is never hot').to.equal(undefined);

      fake.set('cool');
      await ask(reader.ref, { type: 'readGpus' }, 5_000);
      now += 5_000;
      await heat.refresh();
      expect(heat('gpu')).to.equal(undefined);
    } finally {
      await system.shutdown();
    }
  });
});
