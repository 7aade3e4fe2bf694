import { expect } from 'chai';
import { ActorSystem, backoffDelay, tell } from '../src/supervisors/index.js';
import { SupervisorGaveUpError } from '../src/errors.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { Lifecycle, nextEvent, probe } from './support/actors.js';
import { MemoryRestartLog } from './support/memory-restart-log.js';

describe('restart intensity and escalation', () => {
  it('a supervisor past its intensity stops its children, gives up, and its parent restarts it', async () => {
    const clock = new ManualClock(0);
    const log = new MemoryRestartLog();
    const lifecycle = new Lifecycle();
    const system = new ActorSystem({ clock, random: () => 0, restartLog: log });
    const w = system.worker('w', probe('w', lifecycle));
    const sibling = system.worker('sibling', probe('sibling', lifecycle));
    const inner = system.supervisor('inner', [sibling, w], { intensity: 2, periodMs: 10_000, backoff: { minMs: 10, jitter: 0 } });
    const root = system.supervisor('root', [inner], { intensity: 5, periodMs: 10_000, backoff: { minMs: 50, jitter: 0 } });
    let gaveUp: unknown;
    await system.start(root, (e) => (gaveUp = e));

    for (let i = 0; i < 2; i++) {
      const restarting = nextEvent(system.registry, (e) => e.type === 'actor.restarting' && e.path === 'root/inner/w');
      tell(w.ref, { type: 'boom' });
      await restarting;
      const up = nextEvent(system.registry, (e) => e.type === 'actor.started' && e.path === 'root/inner/w');
      clock.advance(10 * 2 ** i);
      await up;
    }
    const innerRestarting = nextEvent(system.registry, (e) => e.type === 'actor.restarting' && e.path === 'root/inner');
    tell(w.ref, { type: 'boom' });
    await innerRestarting;
    const innerUp = nextEvent(system.registry, (e) => e.type === 'actor.started' && e.path === 'root/inner/w');
    clock.advance(50);
    await innerUp;

    expect(gaveUp).to.equal(undefined);
    expect(log.summary()).to.deep.equal([
      'restart root/inner/w by root/inner',
      'restart root/inner/w by root/inner',
      'give_up root/inner/w by root/inner',
      'escalate root/inner by root',
      'restart root/inner by root',
    ]);
    expect(log.records[4]!.errorName).to.equal('SupervisorGaveUpError');
    // The give-up stopped both children before the supervisor went down; the restart started both again.
    expect(lifecycle.events.slice(-4)).to.deep.equal(['stop:w', 'stop:sibling', 'start:sibling', 'start:w']);
    expect(system.registry.get('root/inner')!.restarts).to.equal(1);
    await system.shutdown();
  });

  it('at the root, giving up reaches the node with the escalated failure and the log holds every step', async () => {
    const clock = new ManualClock(0);
    const log = new MemoryRestartLog();
    const system = new ActorSystem({ clock, random: () => 0, restartLog: log });
    const w = system.worker('w', probe('w', new Lifecycle()));
    const leaf = system.supervisor('leaf', [w], { intensity: 0, periodMs: 1000 });
    const root = system.supervisor('root', [leaf], { intensity: 0, periodMs: 1000 });
    const gaveUp = new Promise<unknown>((resolve) => void system.start(root, resolve));
    await nextEvent(system.registry, (e) => e.type === 'actor.started' && e.path === 'root/leaf/w');
    tell(w.ref, { type: 'boom' });
    const error = await gaveUp;
    expect(error).to.be.instanceOf(SupervisorGaveUpError);
    expect((error as SupervisorGaveUpError).supervisor).to.equal('root');
    expect(((error as Error).cause as SupervisorGaveUpError).supervisor).to.equal('root/leaf');
    expect(log.summary()).to.deep.equal([
      'give_up root/leaf/w by root/leaf',
      'escalate root/leaf by root',
      'give_up root/leaf by root',
      'escalate root by node',
    ]);
    expect(system.registry.get('root/leaf/w')!.status).to.not.equal('running');
    await system.shutdown();
  });

  it('restarts outside the period do not count towards the intensity', async () => {
    const clock = new ManualClock(0);
    const log = new MemoryRestartLog();
    const system = new ActorSystem({ clock, random: () => 0, restartLog: log });
    const w = system.worker('w', probe('w', new Lifecycle()));
    let gaveUp = false;
    await system.start(system.supervisor('sup', [w], { intensity: 1, periodMs: 1000, backoff: { minMs: 10, jitter: 0, resetAfterMs: 100_000 } }), () => (gaveUp = true));
    for (let i = 0; i < 4; i++) {
      const restarting = nextEvent(system.registry, (e) => e.type === 'actor.restarting');
      tell(w.ref, { type: 'boom' });
      await restarting;
      const up = nextEvent(system.registry, (e) => e.type === 'actor.started' && e.path === 'sup/w');
      clock.advance(2000);
      await up;
    }
    expect(gaveUp).to.equal(false);
    expect(log.records.map((r) => r.event)).to.deep.equal(['restart', 'restart', 'restart', 'restart']);
    await system.shutdown();
  });
});

describe('restart backoff', () => {
  const policy = { minMs: 100, maxMs: 1000, jitter: 0.5, resetAfterMs: 5000 };

  it('doubles from the minimum, caps at the maximum, and spreads by the injected randomness', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 0))).to.deep.equal([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 1))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(policy, 2, () => 0.5)).to.equal(300);
  });

  it('a supervisor waits the policy delay before each restart and starts over after a quiet period', async () => {
    const clock = new ManualClock(0);
    const log = new MemoryRestartLog();
    const system = new ActorSystem({ clock, random: () => 1, restartLog: log });
    const w = system.worker('w', probe('w', new Lifecycle()));
    await system.start(system.supervisor('sup', [w], { intensity: 100, periodMs: 1000, backoff: policy }), () => {});
    const crashAndRestart = async (): Promise<number> => {
      const restarting = nextEvent(system.registry, (e) => e.type === 'actor.restarting');
      tell(w.ref, { type: 'boom' });
      await restarting;
      const [delay] = clock.pendingDelays();
      const up = nextEvent(system.registry, (e) => e.type === 'actor.started' && e.path === 'sup/w');
      // One millisecond short of the delay, the child is still down.
      clock.advance(delay! - 1);
      expect(system.registry.get('sup/w')!.status).to.equal('restarting');
      clock.advance(1);
      await up;
      return delay!;
    };
    const delays = [];
    for (let i = 0; i < 5; i++) delays.push(await crashAndRestart());
    clock.advance(policy.resetAfterMs + 1);
    delays.push(await crashAndRestart());
    expect(delays).to.deep.equal([100, 200, 400, 800, 1000, 100]);
    expect(log.records.map((r) => r.delayMs)).to.deep.equal(delays);
    expect(log.records.map((r) => r.attempt)).to.deep.equal([1, 2, 3, 4, 5, 1]);
    await system.shutdown();
  });
});
