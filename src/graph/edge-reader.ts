import type { Database, Statement } from 'better-sqlite3';
import type { EdgeKind } from './facts.js';
import type { GraphEdge } from './types.js';

interface AdjacentRow {
  kind: EdgeKind;
  other: string;
  weight: number;
  sources: string;
  at: number;
}

// Unit separator: sources are free text, but never control characters.
const SEP = '\u001f';

/**
 * Reads the edges at one entity, one way, folded over sources, at most `cap` of them. Every
 * statement is one range scan of the primary key (out) or the covering reverse index (in), in
 * index order, so GROUP BY needs no sort and LIMIT stops the scan: a hub costs `cap` rows, not
 * its degree.
 * @internal
 */
export class EdgeReader {
  private readonly outAll: Statement<[string, number]>;
  private readonly outKind: Statement<[string, string, number]>;
  private readonly inAll: Statement<[string, number]>;
  private readonly inKind: Statement<[string, string, number]>;
  private readonly outIds: Statement<[string, number]>;
  private readonly outKindIds: Statement<[string, string, number]>;
  private readonly inIds: Statement<[string, number]>;
  private readonly inKindIds: Statement<[string, string, number]>;
  private readonly between: Statement<[string, string, string]>;

  constructor(db: Database) {
    const cols = `max(weight) AS weight, group_concat(source, char(31)) AS sources, max(at) AS at`;
    this.outAll = db.prepare(`SELECT kind, to_id AS other, ${cols} FROM graph_edges WHERE from_id = ? GROUP BY kind, to_id LIMIT ?`);
    this.outKind = db.prepare(`SELECT kind, to_id AS other, ${cols} FROM graph_edges WHERE from_id = ? AND kind = ? GROUP BY to_id LIMIT ?`);
    this.inAll = db.prepare(`SELECT kind, from_id AS other, ${cols} FROM graph_edges INDEXED BY graph_edges_in WHERE to_id = ? GROUP BY kind, from_id LIMIT ?`);
    this.inKind = db.prepare(`SELECT kind, from_id AS other, ${cols} FROM graph_edges INDEXED BY graph_edges_in WHERE to_id = ? AND kind = ? GROUP BY from_id LIMIT ?`);
    this.outIds = db.prepare('SELECT to_id FROM graph_edges WHERE from_id = ? LIMIT ?').pluck();
    this.outKindIds = db.prepare('SELECT to_id FROM graph_edges WHERE from_id = ? AND kind = ? LIMIT ?').pluck();
    this.inIds = db.prepare('SELECT from_id FROM graph_edges INDEXED BY graph_edges_in WHERE to_id = ? LIMIT ?').pluck();
    this.inKindIds = db.prepare('SELECT from_id FROM graph_edges INDEXED BY graph_edges_in WHERE to_id = ? AND kind = ? LIMIT ?').pluck();
    this.between = db.prepare(`SELECT kind, to_id AS other, ${cols} FROM graph_edges WHERE from_id = ? AND kind = ? AND to_id = ? GROUP BY kind`);
  }

  /**
   * Up to `cap` edges at `id` going `way` (only of `kinds` when given), and the entity at their
   * other end. Returns `cap + 1` when there are more, so the caller knows it was cut.
   */
  adjacent(id: string, way: 'out' | 'in', kinds: readonly EdgeKind[] | undefined, cap: number): { other: string; edge: GraphEdge }[] {
    const rows: AdjacentRow[] = [];
    if (!kinds) {
      rows.push(...((way === 'out' ? this.outAll : this.inAll).all(id, cap + 1) as AdjacentRow[]));
    } else {
      const stmt = way === 'out' ? this.outKind : this.inKind;
      for (const kind of kinds) {
        if (rows.length > cap) break;
        rows.push(...(stmt.all(id, kind, cap + 1 - rows.length) as AdjacentRow[]));
      }
    }
    return rows.map((r) => ({
      other: r.other,
      edge: {
        from: way === 'out' ? id : r.other,
        kind: r.kind,
        to: way === 'out' ? r.other : id,
        weight: r.weight,
        sources: r.sources.split(SEP),
        at: r.at,
      },
    }));
  }

  /**
   * The entities at the other end of up to `cap` edge rows at `id` going `way` (one per source,
   * so an id may repeat): what a search that only needs ids reads, without folding or objects.
   */
  adjacentIds(id: string, way: 'out' | 'in', kinds: readonly EdgeKind[] | undefined, cap: number): string[] {
    if (!kinds) return (way === 'out' ? this.outIds : this.inIds).all(id, cap) as string[];
    const stmt = way === 'out' ? this.outKindIds : this.inKindIds;
    const ids: string[] = [];
    for (const kind of kinds) {
      if (ids.length >= cap) break;
      ids.push(...(stmt.all(id, kind, cap - ids.length) as string[]));
    }
    return ids;
  }

  /** An edge between two entities, either way round, of the first of `kinds` that links them. */
  edgeBetween(a: string, b: string, kinds: readonly EdgeKind[]): GraphEdge | undefined {
    for (const kind of kinds) {
      for (const [from, to] of [[a, b], [b, a]] as const) {
        const r = this.between.get(from, kind, to) as AdjacentRow | undefined;
        if (r) return { from, kind: r.kind, to, weight: r.weight, sources: r.sources.split(SEP), at: r.at };
      }
    }
    return undefined;
  }
}
