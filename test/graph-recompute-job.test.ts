import { expect } from 'chai';
import { graphRecomputeClass } from '../src/graph/derive/index.js';
import { GraphStore } from '../src/graph/index.js';
import { OfflineStore, OnlineLoad, Scheduler, type Step } from '../src/offline/index.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { systemClock } from '../src/runtime/clock.js';
import { silentLogger } from '../src/runtime/logger.js';
import { sqlitePath } from '../src/storage/sqlite/database.js';
import { openStore, type Store } from '../src/storage/store.js';
import { tempDataDir } from './support/node-process.js';
import { NO_LOAD_LIMITS } from './support/offline-classes.js';
import { until } from './support/until.js';


function paper(id: string, title: string, authors: string[]): PaperRecord {
  return { id, version: 1, title, abstract: `${title}, studied at length.`, authors: authors.map((name) => ({ name, affiliations: [] })), categories: ['cs.LG'], primaryCategory: 'cs.LG', published: '2024-03-01T00:00:00Z', updated: '2024-03-01T00:00:00Z', source: 'arxiv-api' };
}

describe('offline graph recomputation class', function () {
  this.timeout(60_000);
  let store: Store;
  const schedulers: Scheduler[] = [];

  beforeEach(async () => {
    store = await openStore(tempDataDir(), systemClock());
    const papers = [
      paper('2403.00001', 'Sparse attention for long documents', ['Ada Lovelace', 'Bob Byte']),
      paper('2403.00002', 'Long document transformers with sparse attention', ['Ada Lovelace', 'Cy Core']),
      paper('2403.00003', 'Protein diffusion models', ['Dee Fold']),
      paper('2403.00004', 'Diffusion for protein backbones', ['Dee Fold', 'Bob Byte']),
    ];
    store.papers.upsertMany(papers);
    await store.vectorSync.drainAll();
    const graph = new GraphStore(store.db);
    // Authorship as the pipeline states it, and one citation.
    graph.apply({
      entities: [],
      edges: [
        ...papers.flatMap((p) => p.authors.map((a) => ({ from: { kind: 'author' as const, key: a.name.toLowerCase() }, kind: 'authored' as const, to: { kind: 'paper' as const, key: p.id } }))),
        { from: { kind: 'paper', key: '2403.00002' }, kind: 'cites', to: { kind: 'paper', key: '2403.00001' } },
      ],
    }, { source: 'arxiv', at: 1 });
  });
  afterEach(async () => {
    await Promise.all(schedulers.splice(0).map((s) => s.stop()));
    store.close();
  });

  function scheduler(everyMs: number): Scheduler {
    const s = new Scheduler({ store: new OfflineStore(store.db), load: new OnlineLoad({ depth: () => 0 }, NO_LOAD_LIMITS), clock: systemClock(), log: silentLogger(), tickMs: 20, stepMs: 50 });
    s.register(graphRecomputeClass({ db: store.db, vectors: store.vectors, databaseFile: sqlitePath(store.dataDir), clock: systemClock(), everyMs, batch: 1 }));
    schedulers.push(s);
    return s;
  }
  const count = (sql: string) => (store.db.prepare(sql).pluck().get() as number);
  const cursor = () => JSON.parse((store.db.prepare(`SELECT cursor FROM offline_classes WHERE name = 'graph'`).pluck().get() as string | null) ?? 'null') as { phase: string } | null;

  it('runs a whole pass in bounded steps: co-authorship, related papers, then centrality; then waits until the next is due', async () => {
    const s = scheduler(3_600_000);
    s.start();
    await until('the pass to complete', async () => (cursor()?.phase === 'idle' ? true : undefined), 30_000);
    expect(count(`SELECT count(*) FROM graph_edges WHERE kind = 'co_author'`)).to.equal(6, 'ada–bob, ada–cy, bob–dee, each both ways');
    expect(count(`SELECT count(*) FROM graph_edges WHERE kind = 'related'`)).to.be.greaterThan(0);
    expect(count(`SELECT count(*) FROM graph_centrality`)).to.equal(count('SELECT count(*) FROM graph_entities'));
    const top = store.db.prepare(`SELECT entity_id FROM graph_centrality WHERE entity_id LIKE 'paper:%' ORDER BY pagerank DESC LIMIT 1`).pluck().get();
    expect(top).to.equal('paper:2403.00001');
    const graphClass = s.snapshot().classes.find((c) => c.name === 'graph')!;
    expect(graphClass.done, 'one unit per batch and phase').to.be.greaterThan(5);
    expect(graphClass.queued, 'the next pass is not due for an hour').to.equal(0);
  });

  it('a pass stopped mid-phase resumes at its cursor, redoing nothing, in a new instance of the class', async () => {
    let stored: unknown;
    const step = (units: number): Step => {
      let left = units;
      return {
        signal: new AbortController().signal, deadline: Date.now() + 60_000, log: silentLogger(), takeLlmRequest: () => true,
        mayContinue: () => left-- > 0,
        cursor: { get: <T>() => stored as T | undefined, set: (value: unknown) => void (stored = JSON.parse(JSON.stringify(value))) },
      };
    };
    const make = () => graphRecomputeClass({ db: store.db, vectors: store.vectors, databaseFile: sqlitePath(store.dataDir), clock: systemClock(), everyMs: 3_600_000, batch: 1 });
    // Four authors and an empty read end co-authorship (5 units); four papers and an empty read, related papers (5); then centrality (1).
    const first = await make().run(step(7));
    expect(first).to.deep.equal({ done: 7, more: true });
    expect(stored).to.include({ phase: 'related', after: '2403.00002' });
    expect(count(`SELECT count(*) FROM graph_centrality`)).to.equal(0);

    const second = await make().run(step(100));
    expect(second).to.deep.equal({ done: 4, more: false });
    expect(stored).to.have.property('phase', 'idle');
    expect(count(`SELECT count(*) FROM graph_centrality`)).to.be.greaterThan(0);
    expect(await make().run(step(100)), 'the next pass is not due yet').to.deep.equal({ done: 0, more: false });
  });
});
