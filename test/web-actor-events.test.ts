import { expect } from 'chai';
import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry as PromRegistry } from 'prom-client';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildApi } from '../src/api/server.js';
import { createApiKey } from '../src/auth/api-keys.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { ActorSystem, SqliteRestartLog, type ActorNode } from '../src/supervisors/index.js';
import { Lifecycle, probe } from './support/actors.js';
import { tempDataDir } from './support/node-process.js';
import { until } from './support/until.js';
import { openSse, type SseStream } from './support/web-sse.js';

const flatten = (nodes: ActorNode[]): ActorNode[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);
const find = (tree: ActorNode[], path: string) => flatten(tree).find((n) => n.path === path);

describe('the live actor event stream (GET /v1/actors/events)', function () {
  this.timeout(30_000);
  let db: Database;
  let dataDir: string;
  let system: ActorSystem;
  let app: FastifyInstance;
  let url: string;
  let admin: string;
  const streams: SseStream[] = [];
  const open = async () => {
    const s = await openSse(`${url}/v1/actors/events`);
    streams.push(s);
    return s;
  };
  const crash = (path: string) =>
    fetch(`${url}/v1/test/crash`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ path }) });

  beforeEach(async () => {
    dataDir = tempDataDir();
    db = openDatabase(join(dataDir, 'paperd.sqlite'));
    admin = createApiKey(db, ['admin']).key;
    system = new ActorSystem({ restartLog: new SqliteRestartLog(db, pino({ level: 'silent' })) });
    const worker = system.worker('worker', probe('worker', new Lifecycle()));
    await system.start(system.supervisor('root', [system.supervisor('pipeline', [worker], { backoff: { minMs: 10, jitter: 0 } })]), () => {});
    app = await buildApi({
      log: pino({ level: 'silent' }), node: 'single', registry: system.registry, db, prom: new PromRegistry(), isReady: () => true, testHooks: true,
      bodyLimitBytes: 1 << 20, version: 'test', auth: { openReads: true, perMinuteKeyed: 100_000, perMinuteAnonymous: 100_000 },
      actorEvents: { maxClients: 2, heartbeatMs: 100, treeEveryMs: 50 },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await app.close();
    await system.shutdown();
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens with a snapshot of the tree and the restart log, then streams a crash: lifecycle events, the restart record, the new tree', async () => {
    const first = await crash('root/pipeline/worker');
    expect(first.status).to.equal(202);
    await until('the first restart in the log', async () => {
      const body = (await (await fetch(`${url}/v1/restarts`)).json()) as { restarts: unknown[] };
      return body.restarts.length === 1 ? true : undefined;
    });
    const stream = await open();
    expect(stream.status).to.equal(200);
    expect(stream.headers.get('content-type')).to.match(/^text\/event-stream/);
    const snapshot = (await stream.next((e) => e.event === 'snapshot', 'snapshot')).data as { node: string; tree: ActorNode[]; restarts: { actor: string; id: number }[] };
    expect(snapshot.node).to.equal('single');
    expect(find(snapshot.tree, 'root/pipeline/worker')).to.include({ kind: 'worker' });
    // The crash before the stream opened is in the snapshot, not sent again as new.
    expect(snapshot.restarts.map((r) => r.actor)).to.deep.equal(['root/pipeline/worker']);

    await stream.next((e) => (e.event === 'tree' || e.event === 'snapshot') && find((e.data as { tree: ActorNode[] }).tree, 'root/pipeline/worker')?.status === 'running', 'tree with the worker back');
    expect((await crash('root/pipeline/worker')).status).to.equal(202);
    const failed = await stream.next((e) => e.event === 'actor' && (e.data as { type: string }).type === 'actor.failed', 'actor.failed');
    expect(failed.data).to.deep.include({ path: 'root/pipeline/worker' });
    expect((failed.data as { error: { name: string } }).error.name).to.equal('InjectedCrashError');
    const restart = (await stream.next((e) => e.event === 'restart', 'restart')).data as { id: number; actor: string; supervisor: string; event: string; attempt: number; errorName: string };
    expect(restart).to.include({ actor: 'root/pipeline/worker', supervisor: 'root/pipeline', event: 'restart', errorName: 'InjectedCrashError' });
    expect(restart.id).to.be.greaterThan(snapshot.restarts[0]!.id);
    const tree = await stream.next(
      (e) => e.event === 'tree' && (find((e.data as { tree: ActorNode[] }).tree, 'root/pipeline/worker')?.restarts ?? 0) >= 2,
      'tree counting the second restart',
    );
    expect(find((tree.data as { tree: ActorNode[] }).tree, 'root/pipeline/worker')!.lastError).to.include({ name: 'InjectedCrashError' });
    // Each record reaches the client once.
    expect(stream.events.filter((e) => e.event === 'restart')).to.have.length(1);
  });

  it('sends heartbeats while nothing happens', async () => {
    const stream = await open();
    const beat = await stream.next((e) => e.event === 'heartbeat', 'heartbeat');
    expect(beat.data).to.include({ clients: 1 });
  });

  it('refuses a client past the cap with 503, and frees the place when a client leaves', async () => {
    const a = await open();
    await open();
    const third = await fetch(`${url}/v1/actors/events`);
    expect(third.status).to.equal(503);
    expect(await third.json()).to.include({ error: 'PAPERD_TOO_MANY_STREAMS' });
    a.close();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const s = await openSse(`${url}/v1/actors/events`);
      status = s.status;
      streams.push(s);
    }
    expect(status, 'a place freed by the client that left').to.equal(200);
  });

  it('stops observing the registry when the last client leaves, and ends open streams when the server closes', async () => {
    const observers = () => (system.registry as unknown as { observers: Set<unknown> }).observers.size;
    const before = observers();
    const stream = await open();
    await stream.next((e) => e.event === 'snapshot', 'snapshot');
    expect(observers()).to.equal(before + 1);
    stream.close();
    for (let i = 0; i < 50 && observers() !== before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(observers(), 'unsubscribed after the disconnect').to.equal(before);

    const open2 = await open();
    await open2.next((e) => e.event === 'snapshot', 'snapshot');
    await app.close(); // would wait forever on an open stream
    await open2.ended;
    expect(observers()).to.equal(before);
  });

  it('needs a key for the stream when reads are not open', async () => {
    const closedApp = await buildApi({
      log: pino({ level: 'silent' }), node: 'single', registry: system.registry, db, prom: new PromRegistry(), isReady: () => true, testHooks: false,
      bodyLimitBytes: 1 << 20, version: 'test', auth: { openReads: false, perMinuteKeyed: 100_000, perMinuteAnonymous: 100_000 },
    });
    const closedUrl = await closedApp.listen({ host: '127.0.0.1', port: 0 });
    try {
      expect((await fetch(`${closedUrl}/v1/actors/events`)).status).to.equal(401);
      const keyed = await openSse(`${closedUrl}/v1/actors/events`, { authorization: `Bearer ${admin}` });
      streams.push(keyed);
      expect(keyed.status).to.equal(200);
      await keyed.next((e) => e.event === 'snapshot', 'snapshot');
      keyed.close();
    } finally {
      await closedApp.close();
    }
  });
});
