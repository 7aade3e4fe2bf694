import type { EdgeReader } from './edge-reader.js';
import { EDGE_KINDS } from './fact-checks.js';
import type { EdgeKind } from './facts.js';
import type { GraphEdge } from './types.js';

/** The bounds of one path search. */
export interface PathBounds {
  readonly kinds?: readonly EdgeKind[];
  readonly maxDepth: number;
  /** Edges followed from one entity, at most. */
  readonly fanout: number;
  /** Edges read by the whole search, at most. */
  readonly budget: number;
}

/** One side of the search: where each reached entity was reached from, and how far it is. */
interface Side {
  readonly prev: Map<string, string | null>;
  readonly distance: Map<string, number>;
}

const side = (start: string): Side => ({ prev: new Map([[start, null]]), distance: new Map([[start, 0]]) });

/** A path found, or why none was: `none` (none within `maxDepth`), `budget` (the search ran out of reads). */
export type PathSearch = { found: true; ids: string[]; edges: GraphEdge[] } | { found: false; reason: 'none' | 'budget' };

/**
 * Bidirectional breadth-first search over edges taken either way: each round grows the side with
 * the smaller frontier by one whole level, and stops at the first level where the sides meet,
 * keeping the shortest of the meetings. Two half-depth searches read far fewer edges than one
 * full-depth search on a graph whose degrees follow a power law.
 * @internal
 */
export function searchPath(reader: EdgeReader, from: string, to: string, bounds: PathBounds): PathSearch {
  if (from === to) return { found: true, ids: [from], edges: [] };
  // Flat maps of strings and small integers: a search may reach 10⁵ entities, and an object per
  // entity costs more than the reads.
  const sides = [side(from), side(to)] as const;
  const frontiers: string[][] = [[from], [to]];
  const depths = [0, 0];
  let read = 0;
  while (frontiers[0]!.length > 0 && frontiers[1]!.length > 0 && depths[0]! + depths[1]! < bounds.maxDepth) {
    const s = frontiers[0]!.length <= frontiers[1]!.length ? 0 : 1;
    const mine = sides[s];
    const theirs = sides[1 - s]!;
    const next: string[] = [];
    let best: { meet: string; total: number } | undefined;
    for (const node of frontiers[s]!) {
      for (const way of ['out', 'in'] as const) {
        if (read >= bounds.budget) return { found: false, reason: 'budget' };
        const cap = Math.min(bounds.fanout, bounds.budget - read);
        const adjacent = bounds.kinds?.length === 0 ? [] : reader.adjacentIds(node, way, bounds.kinds, cap);
        read += adjacent.length;
        for (const other of adjacent) {
          if (mine.prev.has(other)) continue;
          mine.prev.set(other, node);
          mine.distance.set(other, depths[s]! + 1);
          next.push(other);
          const met = theirs.distance.get(other);
          if (met !== undefined && (!best || depths[s]! + 1 + met < best.total)) best = { meet: other, total: depths[s]! + 1 + met };
        }
      }
    }
    depths[s]!++;
    frontiers[s] = next;
    if (best) {
      const ids = join(sides[0], sides[1], best.meet);
      // The search kept ids only; the few edges of the path are read once it is known.
      const edges = ids.slice(1).map((id, i) => reader.edgeBetween(ids[i]!, id, bounds.kinds ?? EDGE_KINDS)!);
      return { found: true, ids, edges };
    }
  }
  return { found: false, reason: 'none' };
}

/** The ids of the path through `meet`: back along the start's side, then on along the end's. */
function join(forward: Side, backward: Side, meet: string): string[] {
  const ids = [meet];
  for (let p = forward.prev.get(meet); p != null; p = forward.prev.get(p)) ids.unshift(p);
  for (let p = backward.prev.get(meet); p != null; p = backward.prev.get(p)) ids.push(p);
  return ids;
}
