import type { EdgeReader } from './edge-reader.js';
import type { EdgeKind } from './facts.js';
import type { Direction, GraphEdge, Truncation } from './types.js';

/** The bounds of one neighbour query. */
export interface NeighborBounds {
  readonly kinds?: readonly EdgeKind[];
  readonly direction: Direction;
  readonly depth: number;
  readonly limit: number;
  /** Edges followed from one entity, at most. */
  readonly fanout: number;
  /** Edges read by the whole query, at most. */
  readonly budget: number;
}

/** What a breadth-first walk found: ids in the order reached, each with its distance and edge. */
export interface Reached {
  readonly found: { id: string; distance: number; via: GraphEdge }[];
  readonly truncatedBy: Truncation[];
  readonly cappedAt: string[];
}

/**
 * Breadth-first, level by level, one indexed range scan per entity and way. Nearer entities
 * always come first, so cutting at `limit` keeps the nearest. Work is bounded by
 * `limit × fanout` edges and by `budget`, whatever the degrees.
 * @internal
 */
export function walkNeighbors(reader: EdgeReader, start: string, bounds: NeighborBounds): Reached {
  const ways: ('out' | 'in')[] = bounds.direction === 'both' ? ['out', 'in'] : [bounds.direction];
  const seen = new Set<string>([start]);
  const found: Reached['found'] = [];
  const truncatedBy = new Set<Truncation>();
  const cappedAt: string[] = [];
  let read = 0;
  let frontier = [start];
  levels: for (let distance = 1; distance <= bounds.depth && frontier.length > 0; distance++) {
    const next: string[] = [];
    for (const node of frontier) {
      let left = bounds.fanout;
      for (const way of ways) {
        if (read >= bounds.budget) {
          truncatedBy.add('budget');
          break levels;
        }
        const cap = Math.min(left, bounds.budget - read);
        const adjacent = bounds.kinds?.length === 0 ? [] : reader.adjacent(node, way, bounds.kinds, cap);
        if (adjacent.length > cap) {
          adjacent.length = cap;
          truncatedBy.add(cap < left ? 'budget' : 'fanout');
          if (cap === left && cappedAt.length < 10 && !cappedAt.includes(node)) cappedAt.push(node);
        }
        read += adjacent.length;
        left -= adjacent.length;
        for (const { other, edge } of adjacent) {
          if (seen.has(other)) continue;
          if (found.length === bounds.limit) {
            truncatedBy.add('limit');
            break levels;
          }
          seen.add(other);
          found.push({ id: other, distance, via: edge });
          next.push(other);
        }
      }
    }
    frontier = next;
  }
  return { found, truncatedBy: [...truncatedBy], cappedAt };
}
