import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { expect } from 'chai';
import { BadInputError, NotFoundError } from '../src/errors.js';
import { GRAPH_LIMITS, GraphStore, type EdgeFact, type EdgeKind, type EntityKind, type EntityRef, type GraphFacts } from '../src/graph/index.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { migrations } from '../src/storage/sqlite/migrations.js';

const ref = (kind: EntityKind, key: string): EntityRef => ({ kind, key });
const paper = (key: string) => ref('paper', key);
const edge = (from: EntityRef, kind: EdgeKind, to: EntityRef, weight?: number): EdgeFact => ({ from, kind, to, ...(weight === undefined ? {} : { weight }) });
const facts = (edges: EdgeFact[], entities: GraphFacts['entities'] = []): GraphFacts => ({ entities, edges });
const ids = (r: { neighbors: { entity: { id: string } }[] }) => r.neighbors.map((n) => n.entity.id);

/** A chain p0 → p1 → … → p(n-1) of `cites` edges. */
function chain(n: number): GraphFacts {
  return facts(Array.from({ length: n - 1 }, (_, i) => edge(paper(`p${i}`), 'cites', paper(`p${i + 1}`))));
}

describe('graph store', () => {
  let dir: string;
  let db: Database;
  let clock: ManualClock;
  let graph: GraphStore;
  const arxiv = (at = 1_000) => ({ source: 'arxiv', at });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-graph-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    clock = new ManualClock(1_700_000_000_000);
    graph = new GraphStore(db, clock);
  });

  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('apply', () => {
    it('is created by migration 9, after the enrichments', () => {
      const own = migrations.filter((m) => m.name === 'knowledge_graph');
      expect(own.map((m) => m.version)).to.deep.equal([9]);
      expect(db.prepare('SELECT name FROM schema_migrations WHERE version = 9').get()).to.deep.equal({ name: 'knowledge_graph' });
    });

    it('creates the entities an edge names, and reads them back', () => {
      const applied = graph.apply(facts([edge(ref('author', 'ada lovelace'), 'authored', paper('2401.00001'))]), arxiv());
      expect(applied).to.deep.equal({ entities: 2, edges: 1 });
      expect(graph.entity('paper:2401.00001')).to.deep.equal({ id: 'paper:2401.00001', kind: 'paper', key: '2401.00001', name: null, attrs: {}, createdAt: clock.now(), updatedAt: clock.now() });
      expect(graph.entity('paper:nope')).to.equal(undefined);
    });

    it('changes nothing when the same facts are replayed', () => {
      const batch = facts([edge(paper('a'), 'has_code', ref('repository', 'github.com/acme/a'), 0.8)], [{ kind: 'paper', key: 'a', name: 'A', attrs: { year: 2024, tags: ['x'] } }]);
      graph.apply(batch, arxiv());
      const before = db.prepare('SELECT * FROM graph_entities ORDER BY id').all();
      clock.advance(60_000);
      expect(graph.apply(batch, arxiv())).to.deep.equal({ entities: 0, edges: 0 });
      expect(db.prepare('SELECT * FROM graph_entities ORDER BY id').all()).to.deep.equal(before);
      expect(db.prepare('SELECT count(*) AS n FROM graph_edges').get()).to.deep.equal({ n: 1 });
    });

    it('keeps one row per source of the same edge, and folds them when read', () => {
      const e = edge(paper('a'), 'has_code', ref('repository', 'github.com/acme/a'));
      graph.apply(facts([e]), { source: 'github-poller', at: 1 });
      graph.apply(facts([{ ...e, weight: 0.4 }]), { source: 'enrichment:llm', at: 2 });
      expect(db.prepare('SELECT source, weight, at FROM graph_edges ORDER BY source').all()).to.deep.equal([
        { source: 'enrichment:llm', weight: 0.4, at: 2 },
        { source: 'github-poller', weight: 1, at: 1 },
      ]);
      const [n] = graph.neighbors('paper:a').neighbors;
      expect(n!.via).to.deep.include({ from: 'paper:a', kind: 'has_code', to: 'repository:github.com/acme/a', weight: 1, at: 2 });
      expect(n!.via.sources.sort()).to.deep.equal(['enrichment:llm', 'github-poller']);
    });

    it('updates an edge with a newer statement of its source, never with an older one', () => {
      const e = edge(paper('a'), 'related', paper('b'), 0.5);
      graph.apply(facts([e]), arxiv(10));
      expect(graph.apply(facts([{ ...e, weight: 0.9 }]), arxiv(20))).to.deep.equal({ entities: 0, edges: 1 });
      expect(graph.apply(facts([{ ...e, weight: 0.1 }]), arxiv(15))).to.deep.equal({ entities: 0, edges: 0 });
      expect(db.prepare('SELECT weight, at FROM graph_edges').get()).to.deep.equal({ weight: 0.9, at: 20 });
    });

    it('keeps a name when a later fact has none, and merges attrs as a JSON merge patch', () => {
      graph.apply(facts([], [{ kind: 'repository', key: 'github.com/acme/a', name: 'acme/a', attrs: { stars: 10, license: 'MIT', topics: ['nlp'] } }]), { source: 'github-poller', at: 1 });
      clock.advance(1_000);
      const applied = graph.apply(facts([], [{ kind: 'repository', key: 'github.com/acme/a', attrs: { stars: 12, license: null, release: { tag: 'v1' } } }]), { source: 'github-webhook', at: 2 });
      expect(applied.entities).to.equal(1);
      const e = graph.entity('repository:github.com/acme/a')!;
      expect(e.name).to.equal('acme/a');
      expect(e.attrs).to.deep.equal({ stars: 12, topics: ['nlp'], release: { tag: 'v1' } });
      expect(e.updatedAt).to.equal(clock.now());
      expect(e.createdAt).to.equal(clock.now() - 1_000);
    });

    it('rejects a malformed batch whole', () => {
      const good = edge(paper('a'), 'cites', paper('b'));
      const bad = [
        facts([good, { ...good, kind: 'likes' as EdgeKind }]),
        facts([good, edge(ref('person' as EntityKind, 'x'), 'cites', paper('b'))]),
        facts([good, edge(paper(''), 'cites', paper('b'))]),
        facts([good, edge(paper('a'), 'cites', paper('c'), Number.NaN)]),
        facts([good], [{ kind: 'paper', key: 'a', attrs: [] as unknown as Record<string, unknown> }]),
      ];
      for (const batch of bad) expect(() => graph.apply(batch, arxiv())).to.throw(BadInputError);
      expect(() => graph.apply(facts([good]), { source: '', at: 1 })).to.throw(BadInputError);
      expect(db.prepare('SELECT count(*) AS n FROM graph_edges').get()).to.deep.equal({ n: 0 });
    });
  });

  describe('neighbors', () => {
    beforeEach(() => {
      // a → b → c → d, a → repo, author → a, author → e
      graph.apply(
        facts([
          ...chain(4).edges.map((e) => ({ ...e, from: paper(e.from.key.replace(/p(\d)/, (_m, d: string) => 'abcd'[Number(d)]!)), to: paper(e.to.key.replace(/p(\d)/, (_m, d: string) => 'abcd'[Number(d)]!)) })),
          edge(paper('a'), 'has_code', ref('repository', 'github.com/acme/a')),
          edge(ref('author', 'ada'), 'authored', paper('a')),
          edge(ref('author', 'ada'), 'authored', paper('e')),
        ]),
        arxiv(),
      );
    });

    it('returns the entities one hop away, either way, with the edge that reached them', () => {
      const r = graph.neighbors('paper:a');
      expect(ids(r).sort()).to.deep.equal(['author:ada', 'paper:b', 'repository:github.com/acme/a']);
      expect(r.truncated).to.equal(false);
      const ada = r.neighbors.find((n) => n.entity.id === 'author:ada')!;
      expect(ada.distance).to.equal(1);
      expect(ada.via).to.deep.include({ from: 'author:ada', kind: 'authored', to: 'paper:a' });
    });

    it('follows one direction only when asked', () => {
      expect(ids(graph.neighbors('paper:a', { direction: 'out' })).sort()).to.deep.equal(['paper:b', 'repository:github.com/acme/a']);
      expect(ids(graph.neighbors('paper:a', { direction: 'in' }))).to.deep.equal(['author:ada']);
      expect(ids(graph.neighbors('paper:c', { direction: 'out', depth: 3 }))).to.deep.equal(['paper:d']);
    });

    it('follows only the kinds asked for', () => {
      expect(ids(graph.neighbors('paper:a', { kinds: ['cites'], depth: 3 }))).to.deep.equal(['paper:b', 'paper:c', 'paper:d']);
      expect(ids(graph.neighbors('paper:a', { kinds: ['authored', 'has_code'], depth: 2 })).sort()).to.deep.equal(['author:ada', 'paper:e', 'repository:github.com/acme/a']);
    });

    it('goes no deeper than asked, nearest first, each entity once at its shortest distance', () => {
      const r = graph.neighbors('paper:a', { depth: 2 });
      expect(r.neighbors.map((n) => [n.entity.id, n.distance]).sort()).to.deep.equal([
        ['author:ada', 1], ['paper:b', 1], ['paper:c', 2], ['paper:e', 2], ['repository:github.com/acme/a', 1],
      ]);
      const distances = r.neighbors.map((n) => n.distance);
      expect(distances).to.deep.equal([...distances].sort());
      expect(ids(graph.neighbors('paper:a', { depth: 3 }))).to.include('paper:d');
    });

    it('cuts at the limit, keeping the nearest, and says so', () => {
      const r = graph.neighbors('paper:a', { depth: 3, limit: 3 });
      expect(r.neighbors).to.have.length(3);
      expect(r.neighbors.every((n) => n.distance === 1)).to.equal(true);
      expect(r).to.deep.include({ truncated: true, truncatedBy: ['limit'] });
      expect(graph.neighbors('paper:a', { depth: 1, limit: 3 }).truncated).to.equal(false);
    });

    it('refuses a depth, limit, direction or kind out of range, and an unknown entity', () => {
      expect(() => graph.neighbors('paper:a', { depth: 0 })).to.throw(BadInputError);
      expect(() => graph.neighbors('paper:a', { depth: 9 })).to.throw(BadInputError);
      expect(() => graph.neighbors('paper:a', { limit: 5000 })).to.throw(BadInputError);
      expect(() => graph.neighbors('paper:a', { direction: 'up' as 'in' })).to.throw(BadInputError);
      expect(() => graph.neighbors('paper:a', { kinds: ['likes' as EdgeKind] })).to.throw(BadInputError);
      expect(() => graph.neighbors('paper:zzz')).to.throw(NotFoundError);
    });
  });

  describe('on a hub', () => {
    const spokes = 20_000;
    beforeEach(() => {
      const hub = ref('dataset', 'imagenet');
      const edges = Array.from({ length: spokes }, (_, i) => edge(paper(`s${i}`), 'uses_dataset', hub));
      edges.push(edge(paper('s0'), 'cites', paper('far')));
      graph.apply(facts(edges), arxiv());
    });

    it('follows at most the fan-out cap from the hub and says it was cut there', () => {
      const r = graph.neighbors('dataset:imagenet', { depth: 2, limit: 1000 });
      expect(r.neighbors.filter((n) => n.distance === 1)).to.have.length(GRAPH_LIMITS.neighborFanout);
      expect(r.truncated).to.equal(true);
      expect(r.truncatedBy).to.include('fanout');
      expect(r.cappedAt).to.deep.equal(['dataset:imagenet']);
    });

    it('reads no more than the fan-out cap through the hub at depth 2', () => {
      const r = graph.neighbors('paper:s1', { depth: 2, limit: 1000 });
      expect(r.neighbors[0]!.entity.id).to.equal('dataset:imagenet');
      expect(r.neighbors.length).to.be.at.most(GRAPH_LIMITS.neighborFanout + 1);
      expect(r.truncated).to.equal(true);
    });
  });

  describe('path', () => {
    beforeEach(() => {
      graph.apply(chain(8), arxiv());
      graph.apply(facts([edge(paper('p0'), 'has_code', ref('repository', 'github.com/acme/x')), edge(ref('repository', 'github.com/acme/x'), 'implements', paper('p3'))]), { source: 'github-poller', at: 5 });
      graph.apply(facts([edge(paper('island'), 'cites', paper('isle'))]), arxiv());
    });

    it('finds a shortest path, edges taken either way', () => {
      const p = graph.path('paper:p0', 'paper:p4')!;
      expect(p.ids).to.deep.equal(['paper:p0', 'repository:github.com/acme/x', 'paper:p3', 'paper:p4']);
      expect(p.length).to.equal(3);
      expect(p.edges.map((e) => e.kind)).to.deep.equal(['has_code', 'implements', 'cites']);
      const back = graph.path('paper:p4', 'paper:p0')!;
      expect(back.ids).to.deep.equal([...p.ids].reverse());
    });

    it('follows only the kinds asked for', () => {
      const p = graph.path('paper:p0', 'paper:p4', { kinds: ['cites'] })!;
      expect(p.ids).to.deep.equal(['paper:p0', 'paper:p1', 'paper:p2', 'paper:p3', 'paper:p4']);
      expect(p.edges.every((e, i) => e.from === p.ids[i] && e.to === p.ids[i + 1])).to.equal(true);
    });

    it('is the entity itself from an entity to itself', () => {
      expect(graph.path('paper:p2', 'paper:p2')).to.deep.equal({ ids: ['paper:p2'], edges: [], length: 0 });
    });

    it('finds none between disconnected entities or beyond maxDepth', () => {
      expect(graph.path('paper:p0', 'paper:island')).to.equal(undefined);
      expect(graph.path('paper:p0', 'paper:p7', { kinds: ['cites'], maxDepth: 6 })).to.equal(undefined);
      expect(graph.path('paper:p0', 'paper:p7', { maxDepth: 6 })!.length).to.equal(6);
      expect(graph.path('paper:p0', 'paper:p4', { maxDepth: 2 })).to.equal(undefined);
    });

    it('refuses a maxDepth out of range and unknown entities', () => {
      expect(() => graph.path('paper:p0', 'paper:p1', { maxDepth: 7 })).to.throw(BadInputError);
      expect(() => graph.path('paper:p0', 'paper:nope')).to.throw(NotFoundError);
    });
  });

  describe('codeFor', () => {
    it('lists the repositories, models, datasets and spaces linked to a paper either way, strongest first', () => {
      const p = paper('2401.00001');
      graph.apply(
        facts([
          edge(p, 'has_code', ref('repository', 'github.com/acme/weak'), 0.3),
          edge(p, 'has_code', ref('repository', 'github.com/acme/strong'), 0.9),
          edge(ref('model', 'acme/bert-x'), 'implements', p),
          edge(p, 'uses_dataset', ref('dataset', 'glue')),
          edge(ref('space', 'acme/demo'), 'mentions', p),
          edge(p, 'cites', paper('2301.00002')),
          edge(ref('author', 'ada'), 'authored', p),
        ], [{ kind: 'repository', key: 'github.com/acme/strong', attrs: { stars: 42 } }]),
        arxiv(),
      );
      const code = graph.codeFor('2401.00001');
      expect(code.repositories.map((l) => l.entity.id)).to.deep.equal(['repository:github.com/acme/strong', 'repository:github.com/acme/weak']);
      expect(code.repositories[0]!.entity.attrs).to.deep.equal({ stars: 42 });
      expect(code.models.map((l) => [l.entity.id, l.edges[0]!.kind])).to.deep.equal([['model:acme/bert-x', 'implements']]);
      expect(code.datasets.map((l) => l.entity.id)).to.deep.equal(['dataset:glue']);
      expect(code.spaces.map((l) => l.entity.id)).to.deep.equal(['space:acme/demo']);
      expect(code.truncated).to.equal(false);
    });

    it('is empty for a paper the graph does not know', () => {
      expect(graph.codeFor('2401.99999')).to.deep.equal({ paper: '2401.99999', repositories: [], models: [], datasets: [], spaces: [], truncated: false });
    });
  });
});
