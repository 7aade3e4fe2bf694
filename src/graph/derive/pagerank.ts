/** A directed weighted graph over nodes 0..nodes-1, as parallel edge arrays. */
export interface EdgeList {
  readonly nodes: number;
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly weight: Float64Array;
  /** How many of the arrays' entries are edges. */
  readonly count: number;
}

export interface PageRankOptions {
  readonly damping: number;
  readonly maxIterations: number;
  /** Stop when the L1 change of an iteration falls below this. */
  readonly tolerance: number;
}

export const DEFAULT_PAGERANK: PageRankOptions = { damping: 0.85, maxIterations: 100, tolerance: 1e-9 };

/**
 * Weighted PageRank by power iteration. A node passes its rank along its out-edges in proportion
 * to their weights, and weights are shares, not only proportions: out-edges that weigh less than
 * 1 in all pass on only that much, and the rest is spread over every node as a dangling node's
 * rank is. So a paper whose only out-edges are weak (vector neighbours at 0.1) does not hand all
 * of its rank to them. The ranks always sum to 1. Returns them and how many iterations it took.
 */
export function pageRank(graph: EdgeList, options: PageRankOptions = DEFAULT_PAGERANK): { ranks: Float64Array; iterations: number } {
  const n = graph.nodes;
  if (n === 0) return { ranks: new Float64Array(0), iterations: 0 };
  // What each node passes on along its edges: their weights' sum, read as a share of at most 1.
  const outWeight = new Float64Array(n);
  for (let e = 0; e < graph.count; e++) outWeight[graph.from[e]!]! += graph.weight[e]!;
  let ranks = new Float64Array(n).fill(1 / n);
  let next = new Float64Array(n);
  const d = options.damping;
  let iterations = 0;
  while (iterations < options.maxIterations) {
    iterations++;
    let dangling = 0;
    for (let u = 0; u < n; u++) if (outWeight[u]! < 1) dangling += ranks[u]! * (1 - outWeight[u]!);
    next.fill((1 - d) / n + (d * dangling) / n);
    for (let e = 0; e < graph.count; e++) {
      const u = graph.from[e]!;
      next[graph.to[e]!]! += (d * ranks[u]! * graph.weight[e]!) / Math.max(1, outWeight[u]!);
    }
    let change = 0;
    for (let u = 0; u < n; u++) change += Math.abs(next[u]! - ranks[u]!);
    [ranks, next] = [next, ranks];
    if (change < options.tolerance) break;
  }
  return { ranks, iterations };
}

/**
 * Ranks scaled to [0, 1] on a log scale, relative to a node of average rank (1/n): average and
 * below stay near 0, the most central node is 1. PageRank is heavy-tailed, so a linear scale
 * would leave all but a few nodes at 0.
 */
export function centralityOf(ranks: Float64Array): Float64Array {
  const n = ranks.length;
  let max = 0;
  for (const r of ranks) max = Math.max(max, r);
  const top = Math.log1p(max * n);
  return ranks.map((r) => (top > 0 ? Math.min(1, Math.log1p(r * n) / top) : 0));
}
