/**
 * Knowledge graph queries at scale: neighbours at depth 2 and shortest paths through GraphStore
 * vs the same queries in raw SQL over the same file, in the same run. The graph has power-law
 * degrees (the biggest hub takes about 1% of all edges), so random starts hit hubs as real
 * queries do. Raw neighbours are one recursive CTE (both ways, bounded by the same read budget);
 * raw paths are the same bidirectional search with bare statements (ids only, no folding of
 * sources, no entity rows).
 * Run: npm run bench:graph [-- --entities 1000000 --edges 10000000 --queries 200 --data DIR]
 * A data dir given with --data is kept and reused by later runs of the same size.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { EDGE_KINDS, GRAPH_LIMITS, GraphStore, type EntityKind } from '../src/graph/index.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { numberOption, percentile, stringOption } from './support/bench-args.js';

const entityCount = numberOption('entities', 1_000_000);
const edgeCount = numberOption('edges', 10_000_000);
const queries = numberOption('queries', 200);
const limit = numberOption('limit', 200);
const seconds = numberOption('seconds', 60);
const given = stringOption('data');
const dir = given ?? mkdtempSync(join(tmpdir(), 'paperd-bench-graph-'));
const log = (line: string) => console.log(line);

/** mulberry32: the same graph and the same queries every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: [EntityKind, number][] = [['paper', 0.55], ['author', 0.25], ['repository', 0.06], ['model', 0.05], ['dataset', 0.03], ['method', 0.03], ['task', 0.02], ['space', 0.005], ['category', 0.005]];
const idOf = (i: number) => {
  let acc = 0;
  const f = i / entityCount;
  for (const [kind, share] of KINDS) if (f < (acc += share)) return `${kind}:${String(i).padStart(8, '0')}`;
  return `category:${String(i).padStart(8, '0')}`;
};

/**
 * Entities, then edges in primary key order (so the WITHOUT ROWID b-tree is appended to, not
 * split at random), then the reverse index built once over the whole table.
 */
function build(db: Database): void {
  const random = rng(42);
  const t0 = performance.now();
  db.exec('DROP INDEX IF EXISTS graph_edges_in');
  const ids = Array.from({ length: entityCount }, (_, i) => idOf(i));
  const insertEntity = db.prepare(`INSERT INTO graph_entities (id, kind, key, name, attrs, created_at, updated_at) VALUES (?, ?, ?, ?, '{}', 0, 0)`);
  db.transaction(() => {
    for (const id of ids) {
      const at = id.indexOf(':');
      insertEntity.run(id, id.slice(0, at), id.slice(at + 1), `Entity ${id.slice(at + 1)}`);
    }
  })();
  log(`  ${entityCount.toLocaleString('en-US')} entities in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  ids.sort();
  // Popularity: a random permutation ranks the entities; the target of an edge is drawn with
  // P(rank < k) = (k/N)^(1/3), so the top entity takes ~N^(-1/3) of all edges (1% at 1M).
  const byRank = [...ids];
  for (let i = byRank.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [byRank[i], byRank[j]] = [byRank[j]!, byRank[i]!];
  }
  const target = () => byRank[Math.floor(entityCount * random() ** 3)]!;
  // Out-degrees: Zipf weights over a random order, scaled to the edge count.
  const weights = ids.map(() => 1 / (1 + Math.floor(random() * entityCount)) ** 0.7);
  const scale = edgeCount / weights.reduce((a, b) => a + b, 0);
  const insertEdge = db.prepare(`INSERT OR IGNORE INTO graph_edges (from_id, kind, to_id, source, weight, at) VALUES (?, ?, ?, 'bench', ?, 0)`);
  let written = 0;
  let batch: [string, string, string, number][] = [];
  const flush = db.transaction((rows: typeof batch) => {
    for (const r of rows) written += insertEdge.run(r[0], r[1], r[2], r[3]).changes;
  });
  for (const from of ids) {
    const degree = Math.floor(weightsOf(from) * scale + random());
    const out: [string, string, string, number][] = [];
    for (let k = 0; k < degree; k++) {
      const to = target();
      if (to !== from) out.push([from, EDGE_KINDS[Math.floor(random() * EDGE_KINDS.length)]!, to, Math.round(random() * 100) / 100]);
    }
    out.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0));
    batch.push(...out);
    if (batch.length >= 500_000) {
      flush(batch);
      batch = [];
    }
  }
  flush(batch);
  log(`  ${written.toLocaleString('en-US')} edges in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  db.exec('CREATE INDEX graph_edges_in ON graph_edges (to_id, kind, from_id, source, weight, at)');
  db.exec('ANALYZE');
  log(`  reverse index built; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  function weightsOf(id: string): number {
    return weights[Number(id.slice(id.indexOf(':') + 1))]!;
  }
}


/** Runs `fn` over the inputs (until the time bound), returning per-call latencies in ms. */
function time<T>(inputs: readonly T[], fn: (input: T) => unknown): number[] {
  const out: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  for (const input of inputs) {
    const t0 = performance.now();
    fn(input);
    out.push(performance.now() - t0);
    if (performance.now() > deadline) break;
  }
  return out;
}

/** Depth-2 neighbours in one recursive CTE, both ways, reading at most the store's budget of rows. */
function rawNeighbors(db: Database): (id: string) => string[] {
  const stmt = db.prepare(`
    WITH RECURSIVE walk(id, d) AS (
      SELECT @id, 0
      UNION
      SELECT e.to_id, w.d + 1 FROM walk w JOIN graph_edges e ON e.from_id = w.id WHERE w.d < 2
      UNION
      SELECT e.from_id, w.d + 1 FROM walk w JOIN graph_edges e INDEXED BY graph_edges_in ON e.to_id = w.id WHERE w.d < 2
      LIMIT ${GRAPH_LIMITS.neighborBudget}
    )
    SELECT DISTINCT id FROM walk WHERE id <> @id LIMIT @limit`).pluck();
  return (id) => stmt.all({ id, limit }) as string[];
}

/** The same bidirectional search as the store's, on bare statements: ids only. */
function rawPath(db: Database): (pair: [string, string]) => string[] | undefined {
  const out = db.prepare('SELECT to_id FROM graph_edges WHERE from_id = ? LIMIT ?').pluck();
  const inn = db.prepare('SELECT from_id FROM graph_edges INDEXED BY graph_edges_in WHERE to_id = ? LIMIT ?').pluck();
  return ([from, to]) => {
    const sides = [new Map<string, string | null>([[from, null]]), new Map<string, string | null>([[to, null]])];
    const frontiers = [[from], [to]];
    const depths = [0, 0];
    let read = 0;
    while (frontiers[0]!.length && frontiers[1]!.length && depths[0]! + depths[1]! < GRAPH_LIMITS.defaultPathDepth) {
      const s = frontiers[0]!.length <= frontiers[1]!.length ? 0 : 1;
      const next: string[] = [];
      let meet: string | undefined;
      for (const node of frontiers[s]!) {
        for (const stmt of [out, inn]) {
          if (read >= GRAPH_LIMITS.pathBudget) return undefined;
          const others = stmt.all(node, Math.min(GRAPH_LIMITS.pathFanout, GRAPH_LIMITS.pathBudget - read)) as string[];
          read += others.length;
          for (const o of others) {
            if (sides[s]!.has(o)) continue;
            sides[s]!.set(o, node);
            next.push(o);
            if (!meet && sides[1 - s]!.has(o)) meet = o;
          }
        }
      }
      depths[s]!++;
      frontiers[s] = next;
      if (meet) {
        const ids = [meet];
        for (let p = sides[0]!.get(meet); p; p = sides[0]!.get(p)) ids.unshift(p);
        for (let p = sides[1]!.get(meet); p; p = sides[1]!.get(p)) ids.push(p);
        return ids;
      }
    }
    return undefined;
  };
}

const ms = (v: number) => `${v.toFixed(2).padStart(8)} ms`;
function report(name: string, ours: number[], raw: number[]): void {
  const [p50, p99, r50, r99] = [percentile(ours, 0.5), percentile(ours, 0.99), percentile(raw, 0.5), percentile(raw, 0.99)];
  log(`${name}  (${ours.length} queries)`);
  log(`  raw SQL     p50 ${ms(r50)}  p99 ${ms(r99)}`);
  log(`  GraphStore  p50 ${ms(p50)}  p99 ${ms(p99)}`);
  log(`  ratio (GraphStore / raw)  p50 ${(p50 / r50).toFixed(2)}  p99 ${(p99 / r99).toFixed(2)}`);
}

try {
  if (given) mkdirSync(given, { recursive: true });
  const file = join(dir, `graph-${entityCount}-${edgeCount}.sqlite`);
  const fresh = !existsSync(file);
  const db = openDatabase(file);
  db.pragma('cache_size = -1048576');
  if (fresh) {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    log(`building ${entityCount.toLocaleString('en-US')} entities, ${edgeCount.toLocaleString('en-US')} edges in ${file}`);
    build(db);
    db.pragma('journal_mode = WAL');
  }
  const counts = db.prepare('SELECT (SELECT count(*) FROM graph_entities) AS entities, (SELECT count(*) FROM graph_edges) AS edges').get() as { entities: number; edges: number };
  const hub = db.prepare('SELECT to_id AS id, count(*) AS n FROM graph_edges INDEXED BY graph_edges_in GROUP BY to_id ORDER BY n DESC LIMIT 1').get() as { id: string; n: number };
  log(`graph: ${counts.entities.toLocaleString('en-US')} entities, ${counts.edges.toLocaleString('en-US')} edges; biggest hub ${hub.id} with ${hub.n.toLocaleString('en-US')} in-edges`);
  const graph = new GraphStore(db);
  const random = rng(7);
  const starts = Array.from({ length: queries }, () => idOf(Math.floor(random() * entityCount)));
  const pairs = Array.from({ length: Math.max(10, Math.floor(queries / 2)) }, () => [idOf(Math.floor(random() * entityCount)), idOf(Math.floor(random() * entityCount))] as [string, string]);
  // Warm the page cache the same for both sides.
  for (const s of starts.slice(0, 20)) graph.neighbors(s, { depth: 2, limit });

  const raw = rawNeighbors(db);
  const rawN = time(starts, raw);
  let truncated = 0;
  let returned = 0;
  const oursN = time(starts, (s) => {
    const r = graph.neighbors(s, { depth: 2, limit });
    returned += r.neighbors.length;
    if (r.truncated) truncated++;
  });
  report(`neighbours, depth 2, both ways, limit ${limit}`, oursN, rawN);
  log(`  ${(returned / oursN.length).toFixed(0)} entities per query on average; ${truncated} of ${oursN.length} truncated (fan-out ${GRAPH_LIMITS.neighborFanout}, budget ${GRAPH_LIMITS.neighborBudget})`);

  const hubRuns = Array.from({ length: 20 }, () => hub.id);
  const rawHub = time(hubRuns, raw);
  let hubTruncated = false;
  const oursHub = time(hubRuns, (s) => void (hubTruncated = graph.neighbors(s, { depth: 2, limit }).truncated));
  report(`neighbours of the biggest hub, depth 2, limit ${limit}`, oursHub, rawHub);
  log(`  truncated: ${hubTruncated}`);

  const rawP = rawPath(db);
  let rawFound = 0;
  const rawPt = time(pairs, (p) => void (rawP(p) && rawFound++));
  let found = 0;
  let hops = 0;
  const oursP = time(pairs, ([a, b]) => {
    const p = graph.path(a, b);
    if (p) {
      found++;
      hops += p.length;
    }
  });
  report(`shortest path, maxDepth ${GRAPH_LIMITS.defaultPathDepth}`, oursP, rawPt);
  log(`  found ${found} of ${oursP.length} (raw ${rawFound} of ${rawPt.length}), mean length ${(hops / Math.max(1, found)).toFixed(2)}`);
  db.close();
} finally {
  if (!given) rmSync(dir, { recursive: true, force: true });
}
