import { expect } from 'chai';
import { Registry as PromRegistry } from 'prom-client';
import { ActorSystem, ask, tell, type ActorNode } from '../src/supervisors/index.js';
import { registerActorMetrics } from '../src/metrics/actor-metrics.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { Lifecycle, gate, nextEvent, probe, settle } from './support/actors.js';

async function metricValue(prom: PromRegistry, name: string, actor: string): Promise<number | undefined> {
  const metric = (await prom.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values as { labels: Record<string, string>; value: number }[] | undefined)?.find((v) => v.labels.actor === actor)?.value;
}

function flatten(nodes: ActorNode[]): ActorNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

describe('inspection: mailbox depth, concurrency, the live tree', () => {
  it('a crash in one actor never lets a sibling run two handlers at once, and nothing is left stuck', async () => {
    const lifecycle = new Lifecycle();
    const system = new ActorSystem({ clock: new ManualClock(), random: () => 0 });
    const slow = system.worker('slow', probe('slow', lifecycle), { shutdownMs: 60_000 });
    const crashy = system.worker('crashy', probe('crashy', lifecycle));
    await system.start(system.supervisor('sup', [slow, crashy], { strategy: 'one_for_all', backoff: { minMs: 0, jitter: 0 } }), () => {});

    const held = gate();
    tell(slow.ref, { type: 'hold', until: held.promise });
    for (let i = 0; i < 3; i++) tell(slow.ref, { type: 'inc' });
    await settle();
    expect(lifecycle.running.get('slow')).to.equal(1);

    const restarting = nextEvent(system.registry, (e) => e.type === 'actor.restarting');
    tell(crashy.ref, { type: 'boom' });
    await settle(20);
    // The restart waits for the handler in flight: the old incarnation is still the only one running.
    expect(lifecycle.events.filter((e) => e === 'start:slow'), 'restarted while the old handler was in flight').to.have.length(1);
    held.open();
    await restarting;
    const allBack = nextEvent(system.registry, (e) => e.type === 'actor.started' && e.path === 'sup/crashy');
    (system.clock as ManualClock).advance(0);
    await allBack;
    expect(lifecycle.maxConcurrent).to.equal(1);
    // The three incs queued behind the held message survive the restart and are handled once each.
    expect(await ask(slow.ref, { type: 'get' }, 1000)).to.equal(3);
    expect(await ask(crashy.ref, { type: 'get' }, 1000)).to.equal(0);
    await system.shutdown();
  });

  it('the mailbox gauge equals the real queue under a burst, and returns to zero', async () => {
    const prom = new PromRegistry();
    const system = new ActorSystem({ clock: new ManualClock() });
    registerActorMetrics(prom, system.registry);
    const w = system.worker('w', probe('w', new Lifecycle()));
    await system.start(system.supervisor('sup', [w]), () => {});
    const held = gate();
    tell(w.ref, { type: 'hold', until: held.promise });
    const burst = 2_000;
    for (let i = 0; i < burst; i++) tell(w.ref, { type: 'inc' });
    await settle();
    const cell = system.registry.get('sup/w')!;
    expect(cell.inFlight).to.equal(1);
    expect(cell.queued).to.equal(burst);
    expect(await metricValue(prom, 'paperd_actor_mailbox_depth', 'sup/w')).to.equal(burst + 1);
    expect(await metricValue(prom, 'paperd_actor_in_flight', 'sup/w')).to.equal(1);
    held.open();
    expect(await ask(w.ref, { type: 'get' }, 10_000)).to.equal(burst);
    await settle(); // the reply arrives before its handler has returned
    expect(await metricValue(prom, 'paperd_actor_mailbox_depth', 'sup/w')).to.equal(0);
    expect(await metricValue(prom, 'paperd_actor_messages_handled_total', 'sup/w')).to.equal(burst + 2);
    await system.shutdown();
  });

  it('the tree matches the real actors after restarts: status, restarts, last error, summary', async () => {
    const clock = new ManualClock();
    const system = new ActorSystem({ clock, random: () => 0 });
    const a = system.worker('a', probe('a', new Lifecycle()));
    const b = system.worker('b', probe('b', new Lifecycle()));
    const inner = system.supervisor('inner', [b], { backoff: { minMs: 5, jitter: 0 } });
    await system.start(system.supervisor('root', [a, inner]), () => {});
    for (let i = 0; i < 2; i++) {
      const restarting = nextEvent(system.registry, (e) => e.type === 'actor.restarting');
      tell(b.ref, { type: 'boom' });
      await restarting;
      const up = nextEvent(system.registry, (e) => e.type === 'actor.started' && e.path === 'root/inner/b');
      clock.advance(100);
      await up;
    }
    tell(a.ref, { type: 'inc' });
    await ask(a.ref, { type: 'get' }, 1000);
    await settle();

    const [root] = system.registry.tree();
    expect(root!.path).to.equal('root');
    expect(root!.children.map((c) => c.path)).to.deep.equal(['root/a', 'root/inner']);
    const nodes = Object.fromEntries(flatten([root!]).map((n) => [n.path, n]));
    expect(nodes['root/inner']!.children.map((c) => c.path)).to.deep.equal(['root/inner/b']);
    expect(nodes['root/inner/b']).to.include({ status: 'running', restarts: 2, kind: 'worker' });
    expect(nodes['root/inner/b']!.lastError).to.include({ name: 'Error', message: 'boom:b' });
    expect(nodes['root/a']).to.include({ restarts: 0, handled: 2, depth: 0 });
    expect(nodes['root/a']!.summary).to.deep.equal({ count: 1 });
    expect(nodes['root/inner']!.kind).to.equal('supervisor');
    expect(nodes['root/inner']!.summary).to.include({ strategy: 'one_for_one' });
    await system.shutdown();
  });

  it('an ask past its deadline rejects with AskTimeoutError; an ask to a crashing handler rejects with its error', async () => {
    const clock = new ManualClock();
    const system = new ActorSystem({ clock, random: () => 0 });
    const w = system.worker('w', probe('w', new Lifecycle()));
    await system.start(system.supervisor('sup', [w]), () => {});
    const held = gate();
    tell(w.ref, { type: 'hold', until: held.promise });
    const pending = ask(w.ref, { type: 'get' }, 250);
    await settle();
    clock.advance(250);
    const error = await pending.then(() => undefined, (e: unknown) => e);
    expect(error).to.have.property('code', 'PAPERD_ASK_TIMEOUT');
    expect(error).to.have.property('timeoutMs', 250);
    held.open();
    const boom = await ask(w.ref, { type: 'boom' } as never, 1000).then(() => undefined, (e: unknown) => e);
    expect((boom as Error).message).to.equal('boom:w');
    await system.shutdown();
  });
});
