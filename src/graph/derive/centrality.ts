import type { Database } from 'better-sqlite3';
import type { EdgeKind } from '../facts.js';
import { centralityOf, DEFAULT_PAGERANK, pageRank, type EdgeList, type PageRankOptions } from './pagerank.js';

/**
 * Which edges carry endorsement, and which way: rank flows to what is cited, implemented, used
 * or introduced. A repository or a model lifts the paper behind it (`has_code` and `introduces`
 * are followed backwards); mentions and vector neighbours count a little. Authorship, co-authorship
 * and categories carry none: they would rank prolific authors' and big categories' papers up.
 */
export const CENTRALITY_EDGES: Partial<Record<EdgeKind, { readonly weight: number; readonly reverse?: boolean }>> = {
  cites: { weight: 1 },
  implements: { weight: 1 },
  has_code: { weight: 1, reverse: true },
  introduces: { weight: 0.5, reverse: true },
  uses_dataset: { weight: 0.5 },
  evaluates_on: { weight: 0.5 },
  mentions: { weight: 0.2 },
  related: { weight: 0.1 },
};

export interface CentralityRun {
  readonly entities: number;
  readonly edges: number;
  readonly iterations: number;
  readonly computedAt: number;
}

/** The endorsement graph of the store: every entity a node, every kept edge once (its strongest source). */
export function loadCentralityGraph(db: Database): { ids: string[]; graph: EdgeList } {
  const index = new Map<string, number>();
  const ids: string[] = [];
  for (const row of db.prepare('SELECT id FROM graph_entities ORDER BY id').iterate() as IterableIterator<{ id: string }>) {
    index.set(row.id, ids.length);
    ids.push(row.id);
  }
  const kinds = Object.keys(CENTRALITY_EDGES);
  let capacity = 1 << 16;
  let from = new Int32Array(capacity);
  let to = new Int32Array(capacity);
  let weight = new Float64Array(capacity);
  let count = 0;
  const rows = db
    .prepare(`SELECT from_id, kind, to_id, max(weight) AS weight FROM graph_edges WHERE kind IN (SELECT value FROM json_each(?)) GROUP BY from_id, kind, to_id`)
    .iterate(JSON.stringify(kinds)) as IterableIterator<{ from_id: string; kind: EdgeKind; to_id: string; weight: number }>;
  for (const row of rows) {
    const rule = CENTRALITY_EDGES[row.kind]!;
    const a = index.get(row.from_id);
    const b = index.get(row.to_id);
    if (a === undefined || b === undefined || a === b || !(row.weight > 0)) continue;
    if (count === capacity) {
      capacity *= 2;
      from = grow(from, capacity);
      to = grow(to, capacity);
      const w = new Float64Array(capacity);
      w.set(weight);
      weight = w;
    }
    from[count] = rule.reverse ? b : a;
    to[count] = rule.reverse ? a : b;
    weight[count] = rule.weight * row.weight;
    count++;
  }
  return { ids, graph: { nodes: ids.length, from, to, weight, count } };
}

function grow(array: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(capacity);
  bigger.set(array);
  return bigger;
}

/**
 * Recomputes PageRank over the endorsement graph and replaces `graph_centrality` with it, in
 * transactions of `chunk` rows so that the node's writer waits at most one chunk for the lock.
 * Rows of entities that are gone are removed at the end.
 */
export function recomputeCentrality(db: Database, now: number, options: PageRankOptions = DEFAULT_PAGERANK, chunk = 5_000): CentralityRun {
  const { ids, graph } = loadCentralityGraph(db);
  const { ranks, iterations } = pageRank(graph, options);
  const centrality = centralityOf(ranks);
  const upsert = db.prepare(
    `INSERT INTO graph_centrality (entity_id, pagerank, centrality, computed_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (entity_id) DO UPDATE SET pagerank = excluded.pagerank, centrality = excluded.centrality, computed_at = excluded.computed_at`,
  );
  const write = db.transaction((start: number) => {
    for (let i = start; i < Math.min(ids.length, start + chunk); i++) upsert.run(ids[i], ranks[i], centrality[i], now);
  });
  for (let start = 0; start < ids.length; start += chunk) write.immediate(start);
  db.prepare('DELETE FROM graph_centrality WHERE computed_at <> ?').run(now);
  return { entities: ids.length, edges: graph.count, iterations, computedAt: now };
}
