import { expect } from 'chai';
import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry as PromRegistry } from 'prom-client';
import { buildApi } from '../src/api/server.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { systemClock } from '../src/runtime/clock.js';
import { SearchService } from '../src/search/search-service.js';
import { openStore, type Store } from '../src/storage/store.js';
import { ActorSystem, DepthWatcher } from '../src/supervisors/index.js';
import { tempDataDir } from './support/node-process.js';

function paper(id: string, published: string | undefined): PaperRecord {
  return { id, version: 1, title: `Paper ${id}`, abstract: 'An abstract.', authors: [{ name: 'Ada Example', affiliations: [] }], categories: ['cs.LG'], primaryCategory: 'cs.LG', published, updated: published, source: 'arxiv-api' };
}

describe('the read endpoints the web page charts (papers per day, pipeline state)', function () {
  this.timeout(60_000);
  let store: Store;
  const dataDir = tempDataDir();
  let system: ActorSystem;
  let app: FastifyInstance;
  let url: string;
  let depth = 0;
  const watcher = new DepthWatcher({ high: 10, low: 4, depth: () => depth, clock: new ManualClock() });

  before(async () => {
    store = await openStore(dataDir, systemClock());
    store.papers.upsertMany([
      paper('2401.00001', '2024-01-10T09:00:00Z'),
      paper('2401.00002', '2024-01-10T23:59:59Z'),
      paper('2401.00003', '2024-01-12T00:00:00Z'),
      paper('2312.00004', '2023-12-31T12:00:00Z'),
      paper('2401.00005', '2024-01-14T08:00:00Z'),
      paper('beir:undated', undefined),
    ]);
    system = new ActorSystem();
    await system.start(system.supervisor('root', []), () => {});
    app = await buildApi({
      log: pino({ level: 'silent' }), node: 'single', registry: system.registry, db: store.db, prom: new PromRegistry(), isReady: () => true, testHooks: false,
      bodyLimitBytes: 1 << 20, version: 'test', auth: { openReads: true, perMinuteKeyed: 100_000, perMinuteAnonymous: 100_000 },
      papers: { db: store.db, search: new SearchService({ db: store.db, vectors: store.vectors, embedder: () => store.embedder }), categories: ['cs.LG'], pipelineDepth: () => depth },
      pipeline: { depth: () => depth, watcher, highWatermark: 10, lowWatermark: 4 },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app?.close();
    await system?.shutdown();
    store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('counts papers per publication day up to the newest paper, every day present', async () => {
    const { status, body } = await get('/v1/stats/papers-per-day?days=6');
    expect(status).to.equal(200);
    expect(body).to.deep.equal({
      from: '2024-01-09',
      until: '2024-01-14',
      days: [
        { day: '2024-01-09', count: 0 },
        { day: '2024-01-10', count: 2 },
        { day: '2024-01-11', count: 0 },
        { day: '2024-01-12', count: 1 },
        { day: '2024-01-13', count: 0 },
        { day: '2024-01-14', count: 1 },
      ],
    });
  });

  it('takes the last day from the caller, across a year boundary', async () => {
    const { body } = await get('/v1/stats/papers-per-day?days=3&until=2024-01-01');
    expect(body.days).to.deep.equal([
      { day: '2023-12-30', count: 0 },
      { day: '2023-12-31', count: 1 },
      { day: '2024-01-01', count: 0 },
    ]);
  });

  it('refuses a range it cannot draw, saying why', async () => {
    for (const path of ['/v1/stats/papers-per-day?days=0', '/v1/stats/papers-per-day?days=400', '/v1/stats/papers-per-day?until=2024-1-1', '/v1/stats/papers-per-day?until=2024-13-45']) {
      const { status, body } = await get(path);
      expect(status, path).to.equal(400);
      expect(body.error, path).to.equal('PAPERD_BAD_INPUT');
    }
  });

  it('reports the pipeline depth and the backpressure state as the watcher sees it', async () => {
    depth = 3;
    watcher.check();
    expect((await get('/v1/pipeline')).body).to.deep.equal({ depth: 3, paused: false, highWatermark: 10, lowWatermark: 4, crossings: { paused: 0, resumed: 0 } });
    depth = 12;
    watcher.check();
    expect((await get('/v1/pipeline')).body).to.include({ depth: 12, paused: true });
    depth = 6; // between the watermarks: still paused (hysteresis)
    watcher.check();
    expect((await get('/v1/pipeline')).body).to.include({ paused: true });
    depth = 2;
    watcher.check();
    expect((await get('/v1/pipeline')).body).to.deep.include({ paused: false, crossings: { paused: 1, resumed: 1 } });
  });
});
