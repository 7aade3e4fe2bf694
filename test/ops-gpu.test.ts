import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pino } from 'pino';
import { alertEvaluatorBehavior } from '../src/actors/alert-evaluator.js';
import { gpuTelemetryBehavior } from '../src/actors/gpu-telemetry.js';
import { AlertEngine } from '../src/ops/alerts/engine.js';
import { gpuHotRule } from '../src/ops/alerts/rules.js';
import { AlertStore } from '../src/ops/alerts/store.js';
import { GpuGuard } from '../src/ops/gpu/guard.js';
import { NVIDIA_SMI_ARGS, parseGpuCsv, readGpus } from '../src/ops/gpu/nvidia-smi.js';
import { GpuTelemetry } from '../src/ops/gpu/telemetry.js';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { ActorSystem, ask } from '../src/supervisors/index.js';
import { fakeNvidiaSmi, nvidiaSmiOutputs } from './support/ops-fake-nvidia-smi.js';
import { tempDataDir } from './support/node-process.js';

const silent = pino({ level: 'silent' });

/** The real nvidia-smi, when this machine has one that sees a GPU. */
function realNvidiaSmi(): boolean {
  try {
    execFileSync('nvidia-smi', ['-L'], { stdio: 'pipe', timeout: 5_000 });
    return true;
  } catch {
    return false;
  }
}

describe('GPU telemetry and protection', function () {
  this.timeout(30_000);
  const fakes: ReturnType<typeof fakeNvidiaSmi>[] = [];
  after(() => fakes.forEach((f) => f.remove()));
  const fake = (s?: Parameters<typeof fakeNvidiaSmi>[0]) => {
    const f = fakeNvidiaSmi(s);
    fakes.push(f);
    return f;
  };

  it('parses what nvidia-smi prints: every field, [N/A] as null, the throttle bitmask by name', () => {
    const [a, b] = parseGpuCsv(nvidiaSmiOutputs.throttling.stdout);
    expect(a).to.deep.equal({
      index: 0, name: 'NVIDIA A100-SXM4-80GB', utilizationPct: 64, memoryUsedMiB: 71234, memoryTotalMiB: 81920, temperatureC: 80, powerW: 250.1,
      throttleMask: 0x60, throttleReasons: ['sw_thermal_slowdown', 'hw_thermal_slowdown'],
    });
    expect(b!.throttleReasons).to.deep.equal([]);
    expect(parseGpuCsv(nvidiaSmiOutputs.noPower.stdout)[0]).to.include({ name: 'Tesla T4', powerW: null, temperatureC: 35 });
    expect(() => parseGpuCsv('0, GPU, 12\n')).to.throw(/3 fields, expected 8/);
  });

  it('runs nvidia-smi with the query it parses, and says "none" where there is no GPU, driver or binary', async () => {
    const f = fake('busy');
    const read = await readGpus(f.command);
    expect(read.type).to.equal('gpus');
    expect(read.type === 'gpus' && read.gpus.map((g) => g.temperatureC)).to.deep.equal([71, 69]);
    expect(f.calls()).to.deep.equal([NVIDIA_SMI_ARGS.join(' ')]);
    f.set('noDevices');
    expect(await readGpus(f.command)).to.deep.equal({ type: 'none', reason: 'No devices were found' });
    f.set('noDriver');
    expect((await readGpus(f.command)).type).to.equal('none');
    expect(await readGpus(join(f.dir, 'not-installed'))).to.include({ type: 'none' });
    f.set('garbled');
    const garbled = await readGpus(f.command);
    expect(garbled.type).to.equal('error');
    expect(garbled.type === 'error' && garbled.reason).to.include('exited 139');
  });

  it('the guard pauses when a GPU is hot or throttles for heat, and resumes only below the lower mark', () => {
    const guard = new GpuGuard({ pauseAtC: 83, resumeBelowC: 75 });
    const heard: string[] = [];
    guard.onCrossing((c) => heard.push(`${c.type}: ${c.reason}`));
    const step = (s: keyof typeof nvidiaSmiOutputs) => {
      guard.observe(parseGpuCsv(nvidiaSmiOutputs[s].stdout), 0);
      return guard.hot();
    };
    expect(step('busy')).to.equal(false);
    expect(step('hot')).to.equal(true);
    expect(step('warm')).to.equal(true); // 79 °C: cooler than 83, not below 75
    expect(step('throttling')).to.equal(true);
    expect(step('cool')).to.equal(false);
    expect(step('throttling')).to.equal(true); // 80 °C, under the pause mark, but slowing down for heat
    expect(step('cool')).to.equal(false);
    expect(heard).to.deep.equal([
      'hot: GPU 1 at 86 °C (pause at 83 °C)',
      'cooled: every GPU below 75 °C with no protective throttling',
      'hot: GPU 0 throttling (sw_thermal_slowdown, hw_thermal_slowdown)',
      'cooled: every GPU below 75 °C with no protective throttling',
    ]);
    expect(guard.crossings).to.deep.equal({ hot: 2, cooled: 2 });
  });

  it('no GPU: the readings say so, gpuHot() stays false, and no alert fires', async () => {
    const f = fake('noDevices');
    const telemetry = new GpuTelemetry({ command: f.command, pauseAtC: 83, resumeBelowC: 75, log: silent });
    await telemetry.read(1);
    expect(telemetry.status()).to.include({ state: 'none', reason: 'No devices were found', hot: false });
    expect(telemetry.gpuHot()).to.equal(false);
    expect(await gpuHotRule({ gpus: () => telemetry.status().gpus }, { gpuHotC: 85 } as never).evaluate(0)).to.deep.equal([]);
  });

  it('a failed read keeps the verdict: a hot GPU that stops answering is still taken as hot', async () => {
    const f = fake('hot');
    const telemetry = new GpuTelemetry({ command: f.command, pauseAtC: 83, resumeBelowC: 75, log: silent });
    await telemetry.read(1);
    f.set('garbled');
    await telemetry.read(2);
    expect(telemetry.status()).to.include({ state: 'error', hot: true });
    expect(telemetry.status().gpus).to.have.length(2);
    expect(telemetry.failures).to.equal(1);
  });

  it('as actors: the telemetry actor reads the fake nvidia-smi and the evaluator fires gpu_hot, then resolves it', async () => {
    const dir = tempDataDir();
    const db = openDatabase(sqlitePath(dir));
    const f = fake('busy');
    const telemetry = new GpuTelemetry({ command: f.command, pauseAtC: 83, resumeBelowC: 75, log: silent });
    const engine = new AlertEngine({ rules: [gpuHotRule({ gpus: () => telemetry.status().gpus }, { gpuHotC: 85 } as never)], sinks: [], store: new AlertStore(db), node: 'gpu', log: silent });
    const system = new ActorSystem();
    const reader = system.worker('gpu-telemetry', gpuTelemetryBehavior({ telemetry, everyMs: 60_000 }));
    const evaluator = system.worker('alert-evaluator', alertEvaluatorBehavior({ engine, everyMs: 60_000 }));
    await system.start(system.supervisor('root', [reader, evaluator]), () => {});
    try {
      f.set('hot');
      expect((await ask(reader.ref, { type: 'readGpus' }, 5_000)).type).to.equal('gpus');
      expect(telemetry.gpuHot()).to.equal(true);
      const fired = await ask(evaluator.ref, { type: 'evaluateAlerts' }, 5_000);
      expect(fired.transitions.map((a) => `${a.rule}:${a.subject}:${a.state}`)).to.deep.equal(['gpu_hot:gpu1:firing']);
      f.set('cool');
      await ask(reader.ref, { type: 'readGpus' }, 5_000);
      expect(telemetry.gpuHot()).to.equal(false);
      const resolved = await ask(evaluator.ref, { type: 'evaluateAlerts' }, 5_000);
      expect(resolved.transitions.map((a) => `${a.rule}:${a.subject}:${a.state}`)).to.deep.equal(['gpu_hot:gpu1:resolved']);
      const summary = system.registry.get('root/gpu-telemetry')!.summary() as Record<string, unknown>;
      expect(summary).to.include({ state: 'gpus', hottestC: 52, hot: false });
      expect((summary.gpus as { temperatureC: number }[]).map((g) => g.temperatureC)).to.deep.equal([52, 50]);
    } finally {
      await system.shutdown();
      db.close();
    }
  });

  it('reads the real nvidia-smi where a GPU exists', async function () {
    if (!realNvidiaSmi()) this.skip(); // no NVIDIA GPU on this machine: the fake above stands in for it
    const read = await readGpus('nvidia-smi');
    expect(read.type).to.equal('gpus');
    if (read.type === 'gpus') for (const g of read.gpus) expect(g.memoryTotalMiB).to.be.greaterThan(0);
  });
});
