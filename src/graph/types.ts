import type { EdgeKind, EntityKind } from './facts.js';

/** An entity as the graph holds it. */
export interface GraphEntity {
  /** `<kind>:<key>` */
  readonly id: string;
  readonly kind: EntityKind;
  readonly key: string;
  readonly name: string | null;
  /** What its sources said of it, merged (later values over earlier, `null` removes a key). */
  readonly attrs: Record<string, unknown>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** An edge as read: the rows of every source that stated it, folded into one. */
export interface GraphEdge {
  readonly from: string;
  readonly kind: EdgeKind;
  readonly to: string;
  /** The strongest weight any source gave it. */
  readonly weight: number;
  /** Every source that stated it. */
  readonly sources: string[];
  /** When a source last stated it (ms since epoch). */
  readonly at: number;
}

/** Which way edges are followed from an entity. */
export type Direction = 'out' | 'in' | 'both';

/** Why a bounded query did not return everything there was: see `NeighborsResult`. */
export type Truncation = 'limit' | 'fanout' | 'budget';

/** An entity reached from another, with the edge that reached it and how many hops away it is. */
export interface Neighbor {
  readonly entity: GraphEntity;
  readonly distance: number;
  readonly via: GraphEdge;
}

/**
 * The entities around one, nearest first. `truncated` says that more exist than were returned:
 * `limit` (more entities than asked for), `fanout` (a hub had more edges than are followed from
 * one entity; `cappedAt` names such hubs) or `budget` (the query read as many edges as one query
 * may).
 */
export interface NeighborsResult {
  readonly id: string;
  readonly neighbors: Neighbor[];
  readonly truncated: boolean;
  readonly truncatedBy: Truncation[];
  readonly cappedAt: string[];
}

/** A shortest path: `ids[0]` is where it starts, `edges[i]` links `ids[i]` and `ids[i + 1]` (either way round). */
export interface GraphPath {
  readonly ids: string[];
  readonly edges: GraphEdge[];
  readonly length: number;
}

/** An entity linked to a paper, with the edges that link them. */
export interface CodeLink {
  readonly entity: GraphEntity;
  readonly edges: GraphEdge[];
}

/** The code, weights and data linked to a paper (`GET /v1/papers/:id/code`). */
export interface PaperCode {
  readonly paper: string;
  readonly repositories: CodeLink[];
  readonly models: CodeLink[];
  readonly datasets: CodeLink[];
  readonly spaces: CodeLink[];
  /** The paper has more edges than are read for this; some links may be missing. */
  readonly truncated: boolean;
}
