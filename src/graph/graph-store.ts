import type { Database, Statement, Transaction } from 'better-sqlite3';
import { BadInputError, NotFoundError } from '../errors.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { EdgeReader } from './edge-reader.js';
import { EDGE_KINDS, ENTITY_KINDS, validateFacts } from './fact-checks.js';
import { entityId, type EdgeKind, type EntityFact, type EntityKind, type FactProvenance, type GraphFacts } from './facts.js';
import { mergeTimedAttrs } from './merge-attrs.js';
import { walkNeighbors } from './neighbors.js';
import { searchPath } from './shortest-path.js';
import type { CodeLink, Direction, GraphEdge, GraphEntity, GraphPath, NeighborsResult, PaperCode } from './types.js';

/** The bounds every query is held to. */
export const GRAPH_LIMITS = {
  maxNeighborDepth: 3,
  maxNeighbors: 1000,
  defaultNeighbors: 50,
  /** Edges followed from one entity in a neighbour query: a hub costs this, not its degree. */
  neighborFanout: 500,
  /** Edges one neighbour query may read in all. */
  neighborBudget: 50_000,
  maxPathDepth: 6,
  defaultPathDepth: 4,
  /** Edges followed from one entity in a path search (per way). */
  pathFanout: 5_000,
  /** Edges one path search may read in all. */
  pathBudget: 300_000,
  /** Edges of a paper read for `codeFor` (per way). */
  codeEdges: 2_000,
} as const;

/** What `neighbors` may be asked. */
export interface NeighborQuery {
  /** Only edges of these kinds (all when absent). */
  readonly kinds?: readonly EdgeKind[];
  /** Default `both`. */
  readonly direction?: Direction;
  /** 1 to 3, default 1. */
  readonly depth?: number;
  /** 1 to 1000, default 50. */
  readonly limit?: number;
}

/** What `path` may be asked. */
export interface PathQuery {
  /** 1 to 6, default 4. */
  readonly maxDepth?: number;
  readonly kinds?: readonly EdgeKind[];
}

interface EntityRow {
  id: string;
  kind: EntityKind;
  key: string;
  name: string | null;
  attrs: string;
  created_at: number;
  updated_at: number;
}

const CODE_KINDS = { repository: 'repositories', model: 'models', dataset: 'datasets', space: 'spaces' } as const;

function entityOf(row: EntityRow): GraphEntity {
  return { id: row.id, kind: row.kind, key: row.key, name: row.name, attrs: JSON.parse(row.attrs) as Record<string, unknown>, createdAt: row.created_at, updatedAt: row.updated_at };
}

function integerIn(what: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new BadInputError(`${what} ${value} is not an integer from ${min} to ${max}`);
  return value;
}

/**
 * The knowledge graph in SQLite (`graph_entities`, `graph_edges`): facts from every source applied
 * idempotently with their provenance, and bounded reads of it (an entity, its neighbours, a
 * shortest path, a paper's code). Every read has a depth cap, a result cap and a cap on the edges
 * followed from one entity, and says when it was cut.
 */
export class GraphStore {
  private readonly selectForMerge: Statement<[string]>;
  private readonly insertEntity: Statement<[Record<string, unknown>]>;
  private readonly updateEntity: Statement<[Record<string, unknown>]>;
  private readonly updateTimes: Statement<[Record<string, unknown>]>;
  private readonly ensureEntity: Statement<[Record<string, unknown>]>;
  private readonly upsertEdge: Statement<[Record<string, unknown>]>;
  private readonly selectEntity: Statement<[string]>;
  private readonly selectEntities: Statement<[string]>;
  private readonly applyTx: Transaction<(facts: GraphFacts, provenance: FactProvenance) => { entities: number; edges: number }>;
  private readonly reader: EdgeReader;

  constructor(db: Database, private readonly clock: Clock = systemClock()) {
    // Only a change rewrites a row: a replay leaves updated_at (and the WAL) alone.
    this.selectForMerge = db.prepare('SELECT name, attrs, attrs_at FROM graph_entities WHERE id = ?');
    this.insertEntity = db.prepare(
      `INSERT INTO graph_entities (id, kind, key, name, attrs, attrs_at, created_at, updated_at) VALUES (@id, @kind, @key, @name, @attrs, @times, @now, @now)`,
    );
    this.updateEntity = db.prepare('UPDATE graph_entities SET name = @name, attrs = @attrs, attrs_at = @times, updated_at = @now WHERE id = @id');
    this.updateTimes = db.prepare('UPDATE graph_entities SET attrs_at = @times WHERE id = @id');
    this.ensureEntity = db.prepare(
      `INSERT INTO graph_entities (id, kind, key, name, attrs, created_at, updated_at) VALUES (@id, @kind, @key, NULL, '{}', @now, @now) ON CONFLICT (id) DO NOTHING`,
    );
    // A statement older than the one stored does not undo it.
    this.upsertEdge = db.prepare(
      `INSERT INTO graph_edges (from_id, kind, to_id, source, weight, at) VALUES (@from, @kind, @to, @source, @weight, @at)
       ON CONFLICT (from_id, kind, to_id, source) DO UPDATE SET weight = excluded.weight, at = excluded.at
       WHERE excluded.at >= at AND (excluded.weight IS NOT weight OR excluded.at IS NOT at)`,
    );
    this.selectEntity = db.prepare('SELECT * FROM graph_entities WHERE id = ?');
    this.selectEntities = db.prepare('SELECT * FROM graph_entities WHERE id IN (SELECT value FROM json_each(?))');
    this.applyTx = db.transaction((facts, provenance) => this.applyInTransaction(facts, provenance));
    this.reader = new EdgeReader(db);
  }

  /**
   * Applies one source's facts in one transaction: entities upserted (a name kept when the new
   * fact has none; each attribute merged as JSON merge patch, so `null` removes a key, unless what
   * is stored was said later than `provenance.at`), edges upserted by
   * (from, kind, to, source) with their weight and time, entities an edge names created when
   * missing. Returns how many entity and edge rows changed: replaying the same facts changes none.
   * @throws BadInputError when a fact or the provenance is malformed (nothing is applied then)
   */
  apply(facts: GraphFacts, provenance: FactProvenance): { entities: number; edges: number } {
    validateFacts(facts, provenance);
    return this.applyTx.immediate(facts, provenance);
  }

  private applyInTransaction(facts: GraphFacts, provenance: FactProvenance): { entities: number; edges: number } {
    const now = this.clock.now();
    let entities = 0;
    let edges = 0;
    for (const e of facts.entities) entities += this.mergeEntity(e, provenance.at, now);
    for (const edge of facts.edges) {
      for (const end of [edge.from, edge.to]) entities += this.ensureEntity.run({ id: entityId(end), kind: end.kind, key: end.key, now }).changes;
      edges += this.upsertEdge.run({ from: entityId(edge.from), kind: edge.kind, to: entityId(edge.to), source: provenance.source, weight: edge.weight ?? 1, at: provenance.at }).changes;
    }
    return { entities, edges };
  }

  /** Upserts one entity; its attributes merge by the time each was said (see `mergeTimedAttrs`). */
  private mergeEntity(e: EntityFact, at: number, now: number): number {
    const id = entityId(e);
    const row = this.selectForMerge.get(id) as { name: string | null; attrs: string; attrs_at: string } | undefined;
    const known = row ? { attrs: JSON.parse(row.attrs) as Record<string, unknown>, times: JSON.parse(row.attrs_at) as Record<string, number> } : { attrs: {}, times: {} };
    const merged = mergeTimedAttrs(known, e.attrs ?? {}, at);
    const name = e.name ?? row?.name ?? null;
    const values = { id, name, attrs: JSON.stringify(merged.attrs), times: JSON.stringify(merged.times), now };
    if (!row) return this.insertEntity.run({ ...values, kind: e.kind, key: e.key }).changes;
    if (merged.changed || name !== row.name) return this.updateEntity.run(values).changes;
    if (merged.timesChanged) this.updateTimes.run(values);
    return 0;
  }

  /** The entity with this id (`<kind>:<key>`), or undefined. */
  entity(id: string): GraphEntity | undefined {
    const row = this.selectEntity.get(id) as EntityRow | undefined;
    return row && entityOf(row);
  }

  /**
   * The entities within `depth` hops of `id`, nearest first, each with the edge that reached it.
   * @throws NotFoundError when there is no entity `id`
   * @throws BadInputError when depth, limit or a kind is out of range
   */
  neighbors(id: string, query: NeighborQuery = {}): NeighborsResult {
    const depth = integerIn('depth', query.depth ?? 1, 1, GRAPH_LIMITS.maxNeighborDepth);
    const limit = integerIn('limit', query.limit ?? GRAPH_LIMITS.defaultNeighbors, 1, GRAPH_LIMITS.maxNeighbors);
    const direction = query.direction ?? 'both';
    if (!['out', 'in', 'both'].includes(direction)) throw new BadInputError(`direction ${direction} is not out, in or both`);
    this.checkKinds(query.kinds);
    this.mustExist(id);
    const reached = walkNeighbors(this.reader, id, { kinds: query.kinds, direction, depth, limit, fanout: GRAPH_LIMITS.neighborFanout, budget: GRAPH_LIMITS.neighborBudget });
    const entities = this.entitiesByIds(reached.found.map((f) => f.id));
    return {
      id,
      neighbors: reached.found.map((f) => ({ entity: entities.get(f.id)!, distance: f.distance, via: f.via })),
      truncated: reached.truncatedBy.length > 0,
      truncatedBy: reached.truncatedBy,
      cappedAt: reached.cappedAt,
    };
  }

  /**
   * A shortest path between two entities over edges taken either way, or undefined when there is
   * none within `maxDepth` hops (or within the search's read budget: a path through hubs of more
   * than `GRAPH_LIMITS.pathFanout` edges may be missed).
   * @throws NotFoundError when either entity does not exist
   * @throws BadInputError when maxDepth or a kind is out of range
   */
  path(fromId: string, toId: string, query: PathQuery = {}): GraphPath | undefined {
    const maxDepth = integerIn('maxDepth', query.maxDepth ?? GRAPH_LIMITS.defaultPathDepth, 1, GRAPH_LIMITS.maxPathDepth);
    this.checkKinds(query.kinds);
    this.mustExist(fromId);
    this.mustExist(toId);
    const result = searchPath(this.reader, fromId, toId, { kinds: query.kinds, maxDepth, fanout: GRAPH_LIMITS.pathFanout, budget: GRAPH_LIMITS.pathBudget });
    return result.found ? { ids: result.ids, edges: result.edges, length: result.edges.length } : undefined;
  }

  /**
   * The repositories, models, datasets and spaces linked to a paper by any edge, either way,
   * strongest first. Empty lists when the paper is not in the graph.
   */
  codeFor(paperId: string): PaperCode {
    const id = entityId({ kind: 'paper', key: paperId });
    const links = new Map<string, GraphEdge[]>();
    let truncated = false;
    for (const way of ['out', 'in'] as const) {
      const adjacent = this.reader.adjacent(id, way, undefined, GRAPH_LIMITS.codeEdges);
      if (adjacent.length > GRAPH_LIMITS.codeEdges) truncated = true;
      for (const { other, edge } of adjacent.slice(0, GRAPH_LIMITS.codeEdges)) {
        if (!(other.slice(0, other.indexOf(':')) in CODE_KINDS)) continue;
        links.set(other, [...(links.get(other) ?? []), edge]);
      }
    }
    const entities = this.entitiesByIds([...links.keys()]);
    const out: Record<(typeof CODE_KINDS)[keyof typeof CODE_KINDS], CodeLink[]> = { repositories: [], models: [], datasets: [], spaces: [] };
    for (const [other, edges] of links) {
      const entity = entities.get(other)!;
      out[CODE_KINDS[entity.kind as keyof typeof CODE_KINDS]].push({ entity, edges });
    }
    const strength = (l: CodeLink) => Math.max(...l.edges.map((e) => e.weight));
    for (const list of Object.values(out)) list.sort((a, b) => strength(b) - strength(a) || a.entity.id.localeCompare(b.entity.id));
    return { paper: paperId, ...out, truncated };
  }

  private entitiesByIds(ids: string[]): Map<string, GraphEntity> {
    const map = new Map<string, GraphEntity>();
    for (const row of this.selectEntities.all(JSON.stringify(ids)) as EntityRow[]) map.set(row.id, entityOf(row));
    // Edges name only entities that exist (apply creates them); a stub keeps a read whole if one is gone.
    for (const id of ids) if (!map.has(id)) map.set(id, stubEntity(id));
    return map;
  }

  private mustExist(id: string): void {
    if (!this.selectEntity.get(id)) throw new NotFoundError(`no entity ${id} in the knowledge graph`);
  }

  private checkKinds(kinds: readonly EdgeKind[] | undefined): void {
    for (const k of kinds ?? []) if (!EDGE_KINDS.includes(k)) throw new BadInputError(`edge kind ${k} is not one of ${EDGE_KINDS.join(', ')}`);
  }
}

function stubEntity(id: string): GraphEntity {
  const at = id.indexOf(':');
  const kind = id.slice(0, at) as EntityKind;
  return { id, kind: ENTITY_KINDS.includes(kind) ? kind : 'paper', key: id.slice(at + 1), name: null, attrs: {}, createdAt: 0, updatedAt: 0 };
}
