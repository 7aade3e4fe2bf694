import { expect } from 'chai';
import { coAuthorshipStep, DEFAULT_PAGERANK, pageRank, recomputeCentrality, recomputeCentralityInWorker, relatedPapersStep, type DeriveStep } from '../src/graph/derive/index.js';
import { GraphStore, type EdgeFact, type EntityRef } from '../src/graph/index.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { systemClock } from '../src/runtime/clock.js';
import { SearchService } from '../src/search/search-service.js';
import { sqlitePath } from '../src/storage/sqlite/database.js';
import { openStore, type Store } from '../src/storage/store.js';
import { tempDataDir } from './support/node-process.js';

const paperRef = (key: string): EntityRef => ({ kind: 'paper', key });
const authorRef = (key: string): EntityRef => ({ kind: 'author', key });
const cites = (from: string, to: string): EdgeFact => ({ from: paperRef(from), kind: 'cites', to: paperRef(to) });
const wrote = (author: string, paper: string): EdgeFact => ({ from: authorRef(author), kind: 'authored', to: paperRef(paper) });

function paper(id: string, title: string, abstract: string): PaperRecord {
  return { id, version: 1, title, abstract, authors: [{ name: 'Ada Example', affiliations: [] }], categories: ['cs.LG'], primaryCategory: 'cs.LG', published: '2024-03-01T00:00:00Z', updated: '2024-03-01T00:00:00Z', source: 'arxiv-api' };
}

/** Runs a derive step from the start until its pass completes; returns every step's result. */
async function wholePass(step: (cursor: string | undefined) => DeriveStep | Promise<DeriveStep>): Promise<DeriveStep[]> {
  const steps: DeriveStep[] = [];
  let cursor: string | undefined;
  do {
    const result = await step(cursor);
    steps.push(result);
    cursor = result.cursor;
  } while (cursor !== undefined && steps.length < 1_000);
  return steps;
}

/**
 * PageRank solved exactly by Gaussian elimination: (I − d·(P + L/n))·r = (1 − d)/n, where P passes
 * w/max(1, out) along each edge and L spreads what a node does not pass on (1 − min(1, out)).
 */
function exactPageRank(n: number, edges: [number, number, number][], d: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (const [u, , w] of edges) out[u]! += w;
  const a = Array.from({ length: n }, (_, v) => Array.from({ length: n + 1 }, (_, u) => (u === n ? (1 - d) / n : u === v ? 1 : 0)));
  for (const [u, v, w] of edges) a[v]![u]! -= (d * w) / Math.max(1, out[u]!);
  for (let u = 0; u < n; u++) if (out[u]! < 1) for (let v = 0; v < n; v++) a[v]![u]! -= (d * (1 - out[u]!)) / n;
  for (let c = 0; c < n; c++) {
    const pivot = a.slice(c).reduce((best, row, i) => (Math.abs(row[c]!) > Math.abs(a[best]![c]!) ? c + i : best), c);
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

describe('derived graph: PageRank, co-authorship, related papers', function () {
  this.timeout(60_000);

  it('PageRank agrees with the exact solution on a weighted graph with a dangling node and a weak edge', () => {
    // 0 ⇄ 1, 2 → 0 (weight 3) and 2 → 1, 3 → 2 and 3 → 4; 4 has only a weak edge (0.1) to 0; 5 has none.
    const edges: [number, number, number][] = [[0, 1, 1], [1, 0, 1], [2, 0, 3], [2, 1, 1], [3, 2, 1], [3, 4, 2], [4, 0, 0.1]];
    const graph = { nodes: 6, from: Int32Array.from(edges.map((e) => e[0])), to: Int32Array.from(edges.map((e) => e[1])), weight: Float64Array.from(edges.map((e) => e[2])), count: edges.length };
    const { ranks } = pageRank(graph, { ...DEFAULT_PAGERANK, tolerance: 1e-14, maxIterations: 1_000 });
    const exact = exactPageRank(6, edges, DEFAULT_PAGERANK.damping);
    ranks.forEach((r, i) => expect(r).to.be.closeTo(exact[i]!, 1e-10));
    expect(ranks.reduce((s, r) => s + r, 0)).to.be.closeTo(1, 1e-12);
  });

  describe('on a store', () => {
    let store: Store;
    let graph: GraphStore;
    const at = { source: 'arxiv', at: 1_000 };

    beforeEach(async () => {
      store = await openStore(tempDataDir(), systemClock());
      graph = new GraphStore(store.db);
    });
    afterEach(() => store.close());

    const centralityOf = (id: string) => (store.db.prepare('SELECT centrality FROM graph_centrality WHERE entity_id = ?').get(id) as { centrality: number } | undefined)?.centrality;

    it('ranks the cited and implemented paper first, forgets entities that are gone, and gives the same ranks in a worker', async () => {
      graph.apply({ entities: [{ ...paperRef('p5'), name: 'alone' }], edges: [cites('p2', 'p1'), cites('p3', 'p1'), cites('p4', 'p1'), cites('p4', 'p2'), { from: { kind: 'repository', key: 'github.com/a/b' }, kind: 'implements', to: paperRef('p1') }] }, at);
      const inline = recomputeCentrality(store.db, 1);
      expect(inline.entities).to.equal(6);
      expect(inline.edges).to.equal(5);
      expect(centralityOf('paper:p1')).to.equal(1);
      expect(centralityOf('paper:p2')!).to.be.greaterThan(centralityOf('paper:p3')!);
      expect(centralityOf('paper:p5')!).to.be.lessThan(centralityOf('paper:p2')!);

      store.db.prepare(`DELETE FROM graph_entities WHERE id = 'paper:p5'`).run();
      const inWorker = await recomputeCentralityInWorker(sqlitePath(store.dataDir), 2);
      expect(inWorker.entities).to.equal(5);
      expect(centralityOf('paper:p5'), 'a gone entity keeps no rank').to.equal(undefined);
      const rows = store.db.prepare('SELECT computed_at AS at FROM graph_centrality').all() as { at: number }[];
      expect(rows.every((r) => r.at === 2)).to.equal(true);
    });

    it('lifts the more central of two equally relevant papers in hybrid search', async () => {
      store.papers.upsertMany([
        paper('2401.00001', 'Quantum annealing schedules', 'Annealing schedules for quantum optimisation.'),
        paper('2401.00002', 'Quantum annealing schedules', 'Annealing schedules for quantum optimisation.'),
        paper('2401.00003', 'Protein folding', 'Folding proteins with diffusion.'),
      ]);
      await store.vectorSync.drainAll();
      const search = new SearchService({ db: store.db, vectors: store.vectors, embedder: () => store.embedder });
      const before = await search.search({ q: 'quantum annealing schedules' });
      expect(before.hits.map((h) => h.id).slice(0, 2)).to.deep.equal(['2401.00001', '2401.00002'], 'a tie goes to the id');
      expect(before.hits[0]).to.not.have.property('centrality');

      graph.apply({ entities: [], edges: [cites('2401.00003', '2401.00002')] }, at);
      recomputeCentrality(store.db, 3);
      const after = await search.search({ q: 'quantum annealing schedules' });
      expect(after.hits.map((h) => h.id).slice(0, 2)).to.deep.equal(['2401.00002', '2401.00001']);
      expect(after.hits[0]!.centrality).to.equal(1);
      expect(after.hits[0]!.score).to.be.greaterThan(after.hits[1]!.score);

      const unweighted = new SearchService({ db: store.db, vectors: store.vectors, embedder: () => store.embedder, weights: { lexical: 1, vector: 0.2, k: 1, centrality: 0 } });
      expect((await unweighted.search({ q: 'quantum annealing schedules' })).hits[0]!.id).to.equal('2401.00001');
    });

    it('derives co-authorship weighted by papers written together, skipping huge collaborations, resumable by cursor', async () => {
      const big = Array.from({ length: 60 }, (_, i) => wrote(`crowd${String(i).padStart(2, '0')}`, 'big'));
      graph.apply({ entities: [], edges: [wrote('ada', 'p1'), wrote('bob', 'p1'), wrote('ada', 'p2'), wrote('bob', 'p2'), wrote('cy', 'p2'), wrote('ada', 'big'), ...big] }, at);
      // The same authorship said by a second source counts once.
      graph.apply({ entities: [], edges: [wrote('ada', 'p1'), wrote('bob', 'p1')] }, { source: 'enrichment:llm', at: 2_000 });
      const steps = await wholePass((cursor) => coAuthorshipStep(store.db, cursor, 7, 5));
      expect(steps.length).to.be.greaterThan(2, 'the pass took several bounded steps');
      expect(steps.reduce((s, x) => s + x.visited, 0)).to.equal(63);

      const coAuthors = () => Object.fromEntries((store.db.prepare(`SELECT from_id || '>' || to_id AS pair, weight FROM graph_edges WHERE kind = 'co_author'`).all() as { pair: string; weight: number }[]).map((r) => [r.pair, r.weight]));
      expect(coAuthors()).to.deep.equal({
        'author:ada>author:bob': 2, 'author:bob>author:ada': 2,
        'author:ada>author:cy': 1, 'author:cy>author:ada': 1,
        'author:bob>author:cy': 1, 'author:cy>author:bob': 1,
      });

      store.db.prepare(`DELETE FROM graph_edges WHERE from_id = 'author:bob' AND to_id = 'paper:p2'`).run();
      await wholePass((cursor) => coAuthorshipStep(store.db, cursor, 100, 6));
      expect(coAuthors()['author:ada>author:bob']).to.equal(1);
      expect(coAuthors()).to.not.have.property('author:bob>author:cy');
    });

    it('derives related papers from vector neighbours, replacing the last pass', async () => {
      store.papers.upsertMany([
        paper('2402.00001', 'Sparse attention for long documents', 'Sparse attention lets transformers read long documents.'),
        paper('2402.00002', 'Long document transformers', 'Transformers with sparse attention over long documents.'),
        paper('2402.00003', 'Attention over long sequences', 'Efficient attention for long sequences and documents.'),
        paper('2402.00004', 'Protein backbone diffusion', 'Denoising diffusion generates protein backbones.'),
        paper('2402.00005', 'Diffusion for protein design', 'Protein design with denoising diffusion models.'),
      ]);
      await store.vectorSync.drainAll();
      const related = () => store.db.prepare(`SELECT from_id, to_id, weight FROM graph_edges WHERE kind = 'related' ORDER BY from_id, weight DESC`).all() as { from_id: string; to_id: string; weight: number }[];

      await wholePass((cursor) => relatedPapersStep(store.db, store.vectors, cursor, 2, 7, { neighbors: 2, minSimilarity: 0.05 }));
      const first = related();
      expect(first.length).to.be.greaterThan(0);
      for (const from of new Set(first.map((r) => r.from_id))) expect(first.filter((r) => r.from_id === from).length).to.be.at.most(2);
      expect(first.every((r) => r.from_id !== r.to_id && r.weight >= 0.05 && r.weight <= 1)).to.equal(true);
      const nearest = first.find((r) => r.from_id === 'paper:2402.00004');
      expect(nearest?.to_id, 'a diffusion paper is nearest to the other diffusion paper').to.equal('paper:2402.00005');

      await wholePass((cursor) => relatedPapersStep(store.db, store.vectors, cursor, 10, 8, { neighbors: 2, minSimilarity: 0.05 }));
      expect(related()).to.deep.equal(first, 'a second pass replaces the first, duplicating nothing');
      await wholePass((cursor) => relatedPapersStep(store.db, store.vectors, cursor, 10, 9, { neighbors: 2, minSimilarity: 1.01 }));
      expect(related()).to.deep.equal([]);
    });
  });
});
