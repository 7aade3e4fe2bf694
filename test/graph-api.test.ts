import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { Registry as PromRegistry } from 'prom-client';
import { pino } from 'pino';
import { buildApi } from '../src/api/server.js';
import { GraphStore, type EdgeFact, type EntityRef } from '../src/graph/index.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';
import { ActorSystem } from '../src/supervisors/index.js';
import { tempDataDir } from './support/node-process.js';

const paper = (key: string): EntityRef => ({ kind: 'paper', key });
const repo: EntityRef = { kind: 'repository', key: 'github.com/acme/x' };
const model: EntityRef = { kind: 'model', key: 'acme/x-7b' };

describe('graph API', function () {
  this.timeout(30_000);
  let db: Database;
  let app: FastifyInstance;
  let system: ActorSystem;
  let url: string;

  before(async () => {
    db = openDatabase(path.join(tempDataDir(), 'paperd.sqlite'));
    new PaperStore(db).upsertMany([
      { id: '2401.00001', version: 1, title: 'A', abstract: 'a', authors: [], categories: ['cs.LG'], source: 'arxiv-api' },
      { id: '2401.00009', version: 1, title: 'Z', abstract: 'z', authors: [], categories: ['cs.LG'], source: 'arxiv-api' },
    ]);
    const graph = new GraphStore(db);
    const edges: EdgeFact[] = [
      { from: paper('2401.00001'), kind: 'has_code', to: repo },
      { from: repo, kind: 'implements', to: paper('2401.00001') },
      { from: model, kind: 'implements', to: paper('2401.00001') },
      { from: paper('2401.00001'), kind: 'cites', to: paper('2301.00002') },
      { from: paper('2301.00002'), kind: 'cites', to: paper('2201.00003') },
      { from: paper('island'), kind: 'cites', to: paper('isle') },
    ];
    graph.apply({ entities: [{ ...repo, name: 'acme/x', attrs: { stars: 7 } }], edges }, { source: 'github-poller', at: 1 });
    system = new ActorSystem();
    await system.start(system.supervisor('root', []), () => {});
    app = await buildApi({
      log: pino({ level: 'silent' }), node: 'single', registry: system.registry, db, prom: new PromRegistry(), isReady: () => true, testHooks: false,
      bodyLimitBytes: 1 << 20, version: 'test', auth: { openReads: true, perMinuteKeyed: 100_000, perMinuteAnonymous: 100_000 },
      graph: { graph, db },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await app.close();
    await system.shutdown();
    db.close();
  });

  const get = async (p: string) => {
    const response = await fetch(`${url}${p}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it('answers an entity by id, slashes and colons encoded', async () => {
    const { status, body } = await get(`/v1/graph/entities/${encodeURIComponent('repository:github.com/acme/x')}`);
    expect(status).to.equal(200);
    expect(body).to.deep.include({ id: 'repository:github.com/acme/x', kind: 'repository', key: 'github.com/acme/x', name: 'acme/x', attrs: { stars: 7 } });
  });

  it('answers 404 JSON for an unknown entity, and for its neighbours', async () => {
    for (const p of ['/v1/graph/entities/paper%3Anope', '/v1/graph/entities/paper%3Anope/neighbors']) {
      const { status, body } = await get(p);
      expect(status, p).to.equal(404);
      expect(body).to.deep.include({ error: 'PAPERD_NOT_FOUND', statusCode: 404 });
    }
  });

  it('lists neighbours by kind, direction and depth', async () => {
    const { status, body } = await get('/v1/graph/entities/paper%3A2401.00001/neighbors?kind=cites&depth=2&direction=out');
    expect(status).to.equal(200);
    expect(body.neighbors.map((n: any) => [n.entity.id, n.distance])).to.deep.equal([['paper:2301.00002', 1], ['paper:2201.00003', 2]]);
    expect(body.truncated).to.equal(false);
    const both = await get('/v1/graph/entities/paper%3A2401.00001/neighbors?kind=has_code,implements');
    expect(both.body.neighbors.map((n: any) => n.entity.id).sort()).to.deep.equal(['model:acme/x-7b', 'repository:github.com/acme/x']);
    const limited = await get('/v1/graph/entities/paper%3A2401.00001/neighbors?limit=1');
    expect(limited.body).to.deep.include({ truncated: true, truncatedBy: ['limit'] });
  });

  it('answers 400 for a depth out of range or an unknown kind', async () => {
    for (const q of ['depth=9', 'depth=0', 'direction=up', 'kind=likes', 'limit=100000']) {
      const { status, body } = await get(`/v1/graph/entities/paper%3A2401.00001/neighbors?${q}`);
      expect(status, q).to.equal(400);
      expect(body.error, q).to.equal('PAPERD_BAD_INPUT');
    }
  });

  it('finds a shortest path, or says there is none', async () => {
    const found = await get('/v1/graph/path?from=model%3Aacme%2Fx-7b&to=paper%3A2201.00003');
    expect(found.status).to.equal(200);
    expect(found.body.path.ids).to.deep.equal(['model:acme/x-7b', 'paper:2401.00001', 'paper:2301.00002', 'paper:2201.00003']);
    const none = await get('/v1/graph/path?from=paper%3A2401.00001&to=paper%3Aisland');
    expect(none.body).to.deep.equal({ from: 'paper:2401.00001', to: 'paper:island', found: false, path: null });
    expect((await get('/v1/graph/path?from=paper%3A2401.00001&to=paper%3Aisle&maxDepth=7')).status).to.equal(400);
    expect((await get('/v1/graph/path?from=paper%3A2401.00001&to=paper%3Anope')).status).to.equal(404);
  });

  it("lists a paper's code, empty for a stored paper the graph does not know, 404 for an unknown paper", async () => {
    const { status, body } = await get('/v1/papers/2401.00001/code');
    expect(status).to.equal(200);
    expect(body.repositories.map((l: any) => [l.entity.id, l.edges.map((e: any) => e.kind).sort()])).to.deep.equal([['repository:github.com/acme/x', ['has_code', 'implements']]]);
    expect(body.models.map((l: any) => l.entity.id)).to.deep.equal(['model:acme/x-7b']);
    expect((await get('/v1/papers/2401.00009/code')).body).to.deep.equal({ paper: '2401.00009', repositories: [], models: [], datasets: [], spaces: [], truncated: false });
    const missing = await get('/v1/papers/2499.99999/code');
    expect(missing.status).to.equal(404);
    expect(missing.body.error).to.equal('PAPERD_NOT_FOUND');
  });
});
