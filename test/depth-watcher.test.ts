import { expect } from 'chai';
import { ActorSystem, DepthWatcher, tell, type DepthCrossing } from '../src/supervisors/index.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { Lifecycle, gate, probe, settle } from './support/actors.js';

describe('depth watcher (backpressure)', () => {
  it('pauses at the high watermark, resumes only below the low one, one event per crossing', () => {
    const clock = new ManualClock();
    let depth = 0;
    const watcher = new DepthWatcher({ high: 10, low: 4, depth: () => depth, clock });
    const crossings: DepthCrossing[] = [];
    watcher.onCrossing((c) => crossings.push(c));
    const trace = [0, 5, 9, 10, 12, 11, 9, 5, 4, 3, 2, 8, 9, 10, 3];
    const open = trace.map((d) => {
      depth = d;
      return watcher.check();
    });
    expect(open).to.deep.equal([true, true, true, false, false, false, false, false, false, true, true, true, true, false, true]);
    expect(crossings.map((c) => `${c.type}@${c.depth}`)).to.deep.equal(['paused@10', 'resumed@3', 'paused@10', 'resumed@3']);
    expect(watcher.crossings).to.deep.equal({ paused: 2, resumed: 2 });
  });

  it('holds a producer while an actor is too deep and lets it go once the actor drains', async () => {
    const clock = new ManualClock();
    const system = new ActorSystem({ clock });
    const w = system.worker('w', probe('w', new Lifecycle()));
    await system.start(system.supervisor('sup', [w]), () => {});
    const cell = system.registry.get('sup/w')!;
    const watcher = new DepthWatcher({ high: 100, low: 20, depth: () => cell.depth, clock, pollMs: 10 });
    const held = gate();
    tell(w.ref, { type: 'hold', until: held.promise });
    let sent = 1;
    let released = false;
    // The producer: sends while the watcher admits, then waits for capacity.
    const producer = (async () => {
      while (sent < 500) {
        await watcher.waitForCapacity();
        tell(w.ref, { type: 'inc' });
        sent++;
      }
      released = true;
    })();
    await settle();
    expect(sent).to.equal(100);
    expect(cell.depth).to.equal(100);
    clock.advance(1000);
    await settle();
    expect(sent, 'still paused while nothing drains').to.equal(100);
    held.open();
    for (let i = 0; i < 200 && !released; i++) {
      clock.advance(10);
      await settle();
    }
    await producer;
    expect(sent).to.equal(500);
    expect(watcher.crossings.paused).to.be.greaterThan(0);
    expect(watcher.crossings.resumed).to.equal(watcher.crossings.paused);
    watcher.close();
    await system.shutdown();
  });

  it('refuses a low watermark that is not below the high one', () => {
    expect(() => new DepthWatcher({ high: 5, low: 5, depth: () => 0, clock: new ManualClock() })).to.throw(/low watermark 5 must be below/);
  });
});
