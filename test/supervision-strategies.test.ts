import { expect } from 'chai';
import { ActorSystem, ask, tell, type SpecWithRef, type Strategy } from '../src/supervisors/index.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { Lifecycle, nextEvent, probe, settle, type ProbeMessage, type ProbeReplies } from './support/actors.js';
import { MemoryRestartLog } from './support/memory-restart-log.js';

interface Tree {
  system: ActorSystem;
  clock: ManualClock;
  lifecycle: Lifecycle;
  log: MemoryRestartLog;
  refs: Record<'a' | 'b' | 'c', SpecWithRef<ProbeMessage, ProbeReplies>['ref']>;
}

async function startTree(strategy: Strategy): Promise<Tree> {
  const clock = new ManualClock(1_000_000);
  const log = new MemoryRestartLog();
  const system = new ActorSystem({ clock, random: () => 0.5, restartLog: log });
  const lifecycle = new Lifecycle();
  const a = system.worker('a', probe('a', lifecycle));
  const b = system.worker('b', probe('b', lifecycle));
  const c = system.worker('c', probe('c', lifecycle));
  const sup = system.supervisor('sup', [a, b, c], { strategy, intensity: 10, periodMs: 60_000, backoff: { minMs: 100, jitter: 0 } });
  await system.start(sup, () => {});
  return { system, clock, lifecycle, log, refs: { a: a.ref, b: b.ref, c: c.ref } };
}

/** Crashes `b`, lets the backoff delay pass, and waits until the last restarted child is up. */
async function crashB(tree: Tree, lastToStart: string): Promise<void> {
  const restarting = nextEvent(tree.system.registry, (e) => e.type === 'actor.restarting');
  tell(tree.refs.b, { type: 'boom' });
  await restarting;
  const started = nextEvent(tree.system.registry, (e) => e.type === 'actor.started' && e.path === `sup/${lastToStart}`);
  tree.clock.advance(100);
  await started;
}

async function counts(tree: Tree): Promise<number[]> {
  return Promise.all((['a', 'b', 'c'] as const).map((k) => ask(tree.refs[k], { type: 'get' }, 1000)));
}

async function bumpAll(tree: Tree, times: number): Promise<void> {
  for (let i = 0; i < times; i++) for (const k of ['a', 'b', 'c'] as const) tell(tree.refs[k], { type: 'inc' });
  await counts(tree);
}

describe('supervision strategies', () => {
  let tree: Tree | undefined;
  afterEach(async () => {
    await tree?.system.shutdown();
    tree = undefined;
  });

  it('one_for_one restarts only the child that crashed; its siblings keep their state', async () => {
    tree = await startTree('one_for_one');
    await bumpAll(tree, 3);
    tree.lifecycle.events.length = 0;
    await crashB(tree, 'b');
    expect(tree.lifecycle.events).to.deep.equal(['stop:b', 'start:b']);
    expect(await counts(tree)).to.deep.equal([3, 0, 3]);
    expect(tree.log.records.map((r) => [r.event, r.actor, r.restarted])).to.deep.equal([['restart', 'sup/b', ['b']]]);
  });

  it('one_for_all stops every sibling in reverse start order and restarts all in start order', async () => {
    tree = await startTree('one_for_all');
    await bumpAll(tree, 2);
    tree.lifecycle.events.length = 0;
    await crashB(tree, 'c');
    expect(tree.lifecycle.events).to.deep.equal(['stop:b', 'stop:c', 'stop:a', 'start:a', 'start:b', 'start:c']);
    expect(await counts(tree)).to.deep.equal([0, 0, 0]);
    expect(tree.log.records[0]!.restarted).to.deep.equal(['a', 'b', 'c']);
  });

  it('rest_for_one restarts the crashed child and those started after it; earlier ones keep their state', async () => {
    tree = await startTree('rest_for_one');
    await bumpAll(tree, 4);
    tree.lifecycle.events.length = 0;
    await crashB(tree, 'c');
    expect(tree.lifecycle.events).to.deep.equal(['stop:b', 'stop:c', 'start:b', 'start:c']);
    expect(await counts(tree)).to.deep.equal([4, 0, 0]);
  });

  it('children start in spec order and stop in reverse order on shutdown', async () => {
    tree = await startTree('one_for_one');
    expect(tree.lifecycle.events).to.deep.equal(['start:a', 'start:b', 'start:c']);
    await tree.system.shutdown();
    expect(tree.lifecycle.events.slice(3)).to.deep.equal(['stop:c', 'stop:b', 'stop:a']);
    expect(tell(tree.refs.a, { type: 'inc' })).to.equal(false);
    tree = undefined;
  });

  it('messages sent while a child waits for its restart are handled by the new incarnation', async () => {
    tree = await startTree('one_for_one');
    const restarting = nextEvent(tree.system.registry, (e) => e.type === 'actor.restarting');
    tell(tree.refs.b, { type: 'boom' });
    await restarting;
    for (let i = 0; i < 5; i++) tell(tree.refs.b, { type: 'inc' });
    const answer = ask(tree.refs.b, { type: 'get' }, 10_000);
    await settle();
    expect(tree.system.registry.get('sup/b')!.queued).to.equal(6);
    tree.clock.advance(100);
    expect(await answer).to.equal(5);
  });

  it('a transient child that stops normally stays down; a permanent one is restarted', async () => {
    const clock = new ManualClock();
    const lifecycle = new Lifecycle();
    const system = new ActorSystem({ clock, random: () => 0 });
    const t = system.worker('t', probe('t', lifecycle), { restart: 'transient' });
    const p = system.worker('p', probe('p', lifecycle), { restart: 'permanent' });
    await system.start(system.supervisor('sup', [t, p], { backoff: { minMs: 10, jitter: 0 } }), () => {});
    const pRestarting = nextEvent(system.registry, (e) => e.type === 'actor.restarting' && e.path === 'sup/p');
    tell(t.ref, { type: 'finish' });
    tell(p.ref, { type: 'finish' });
    await pRestarting;
    const pStarted = nextEvent(system.registry, (e) => e.type === 'actor.started' && e.path === 'sup/p');
    clock.advance(10);
    await pStarted;
    expect(system.registry.get('sup/t')!.status).to.equal('stopped');
    expect(system.registry.get('sup/p')!.status).to.equal('running');
    expect(lifecycle.events).to.deep.equal(['start:t', 'start:p', 'stop:t', 'stop:p', 'start:p']);
    await system.shutdown();
  });

  it('a temporary child that crashes is not restarted and its siblings are untouched', async () => {
    const lifecycle = new Lifecycle();
    const log = new MemoryRestartLog();
    const system = new ActorSystem({ clock: new ManualClock(), restartLog: log });
    const tmp = system.worker('tmp', probe('tmp', lifecycle), { restart: 'temporary' });
    const other = system.worker('other', probe('other', lifecycle));
    await system.start(system.supervisor('sup', [tmp, other], { strategy: 'one_for_all' }), () => {});
    const stopped = nextEvent(system.registry, (e) => e.type === 'actor.stopped' && e.path === 'sup/tmp');
    tell(tmp.ref, { type: 'boom' });
    await stopped;
    expect(system.registry.get('sup/tmp')!.status).to.equal('stopped');
    expect(lifecycle.events).to.deep.equal(['start:tmp', 'start:other', 'stop:tmp']);
    expect(log.records).to.have.length(0);
    await system.shutdown();
  });
});
