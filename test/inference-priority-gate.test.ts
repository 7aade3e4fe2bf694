import { expect } from 'chai';
import { GateFullError, PriorityGate, type Permit } from '../src/inference/priority-gate.js';

const never = new AbortController().signal;

describe('inference priority gate', () => {
  it('hands freed slots to online waiters first, each lane in arrival order', async () => {
    const gate = new PriorityGate(1, 10);
    let held: Permit = gate.tryAcquire()!;
    const served: string[] = [];
    const permits = new Map<string, Promise<Permit>>();
    for (const [name, lane] of [['off-1', 'offline'], ['on-1', 'online'], ['off-2', 'offline'], ['on-2', 'online']] as const) {
      permits.set(name, gate.acquire(lane, never).then((p) => (served.push(name), p)));
    }
    expect(gate.queued).to.deep.equal({ online: 2, offline: 2 });
    for (let i = 0; i < 4; i++) {
      held.release();
      await new Promise((r) => setImmediate(r));
      expect(gate.inFlight).to.equal(1);
      held = await permits.get(served.at(-1)!)!;
    }
    expect(served).to.deep.equal(['on-1', 'on-2', 'off-1', 'off-2']);
  });

  it('never lets more than its capacity in; a double release frees one slot only', async () => {
    const gate = new PriorityGate(2, 10);
    const a = gate.tryAcquire()!;
    gate.tryAcquire();
    expect(gate.tryAcquire()).to.equal(undefined);
    a.release();
    a.release();
    expect(gate.inFlight).to.equal(1);
    expect(gate.hasRoom).to.equal(true);
  });

  it('drops a waiter whose signal aborts, refuses past maxQueued, and turns all waiters away on request', async () => {
    const gate = new PriorityGate(1, 2);
    gate.tryAcquire();
    const controller = new AbortController();
    const aborted = gate.acquire('online', controller.signal).catch((e: unknown) => e);
    const other = gate.acquire('offline', never).catch((e: unknown) => e);
    expect(await gate.acquire('online', never).catch((e: unknown) => e)).to.be.instanceOf(GateFullError);
    controller.abort(new Error('caller left'));
    expect(((await aborted) as Error).message).to.equal('caller left');
    expect(gate.queued).to.deep.equal({ online: 0, offline: 1 });
    gate.rejectQueued(new Error('endpoint cooling'));
    expect(((await other) as Error).message).to.equal('endpoint cooling');
    expect(gate.queued).to.deep.equal({ online: 0, offline: 0 });
  });
});
