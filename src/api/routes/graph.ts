import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../errors.js';
import { GRAPH_LIMITS, type EdgeKind, type GraphStore } from '../../graph/index.js';
import { ErrorBody } from '../schemas.js';

export interface GraphRouteDeps {
  readonly graph: GraphStore;
  /** The store of papers: `/v1/papers/:id/code` answers 404 only for a paper neither it nor the graph knows. */
  readonly db: Database;
}

const Entity = Type.Object({
  id: Type.String({ description: '<kind>:<key>' }), kind: Type.String(), key: Type.String(), name: Type.Union([Type.String(), Type.Null()]),
  attrs: Type.Record(Type.String(), Type.Unknown()), createdAt: Type.Integer(), updatedAt: Type.Integer(),
});
const Edge = Type.Object({
  from: Type.String(), kind: Type.String(), to: Type.String(), weight: Type.Number(),
  sources: Type.Array(Type.String(), { description: 'every source that stated it' }), at: Type.Integer(),
});
const Neighbors = Type.Object({
  id: Type.String(),
  neighbors: Type.Array(Type.Object({ entity: Entity, distance: Type.Integer(), via: Edge })),
  truncated: Type.Boolean({ description: 'more exist than were returned' }),
  truncatedBy: Type.Array(Type.String(), { description: 'limit, fanout (a hub had more edges than are followed from one entity) or budget' }),
  cappedAt: Type.Array(Type.String(), { description: 'hubs whose edges were cut at the fan-out cap' }),
});
const Path = Type.Object({
  from: Type.String(), to: Type.String(), found: Type.Boolean(),
  path: Type.Union([Type.Object({ ids: Type.Array(Type.String()), edges: Type.Array(Edge), length: Type.Integer() }), Type.Null()]),
});
const Links = Type.Array(Type.Object({ entity: Entity, edges: Type.Array(Edge) }));
const Code = Type.Object({ paper: Type.String(), repositories: Links, models: Links, datasets: Links, spaces: Links, truncated: Type.Boolean() });
const Kinds = Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 10 })], { description: 'edge kinds to follow, repeated or comma-separated' }));
const EntityParams = Type.Object({ id: Type.String({ minLength: 3, maxLength: 600 }) });

/** `kind=a,b&kind=c` as a list; none given (or only empty ones) means every kind. */
function kindList(kind: string | string[] | undefined): EdgeKind[] | undefined {
  const kinds = [kind ?? []].flat().flatMap((k) => k.split(',')).map((k) => k.trim()).filter(Boolean);
  return kinds.length > 0 ? (kinds as EdgeKind[]) : undefined;
}

/** The knowledge graph: entities, their neighbours, shortest paths, and a paper's code. */
export const graphRoutes: FastifyPluginAsyncTypebox<GraphRouteDeps> = async (app, deps) => {
  const paperExists = deps.db.prepare('SELECT 1 FROM papers WHERE id = ?');

  app.get(
    '/v1/graph/entities/:id',
    { config: { scope: 'read' }, schema: { summary: 'One entity of the knowledge graph', params: EntityParams, response: { 200: Entity, 404: ErrorBody } } },
    async (req) => {
      const entity = deps.graph.entity(req.params.id);
      if (!entity) throw new NotFoundError(`no entity ${req.params.id} in the knowledge graph`);
      return entity;
    },
  );

  app.get(
    '/v1/graph/entities/:id/neighbors',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The entities around one, nearest first, each with the edge that reached it (bounded: see truncated)',
        params: EntityParams,
        querystring: Type.Object({
          kind: Kinds,
          depth: Type.Optional(Type.Integer({ minimum: 1, maximum: GRAPH_LIMITS.maxNeighborDepth, default: 1 })),
          direction: Type.Optional(Type.Union([Type.Literal('out'), Type.Literal('in'), Type.Literal('both')], { default: 'both' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: GRAPH_LIMITS.maxNeighbors, default: GRAPH_LIMITS.defaultNeighbors })),
        }),
        response: { 200: Neighbors, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const { kind, depth, direction, limit } = req.query;
      return deps.graph.neighbors(req.params.id, { kinds: kindList(kind), depth, direction, limit });
    },
  );

  app.get(
    '/v1/graph/path',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'A shortest path between two entities, edges taken either way',
        querystring: Type.Object({
          from: Type.String({ minLength: 3, maxLength: 600 }),
          to: Type.String({ minLength: 3, maxLength: 600 }),
          maxDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: GRAPH_LIMITS.maxPathDepth, default: GRAPH_LIMITS.defaultPathDepth })),
          kind: Kinds,
        }),
        response: { 200: Path, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const { from, to, maxDepth, kind } = req.query;
      const path = deps.graph.path(from, to, { maxDepth, kinds: kindList(kind) });
      return { from, to, found: path !== undefined, path: path ?? null };
    },
  );

  app.get(
    '/v1/papers/:id/code',
    {
      config: { scope: 'read' },
      schema: {
        summary: "A paper's repositories, models, datasets and spaces",
        params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
        response: { 200: Code, 404: ErrorBody },
      },
    },
    async (req) => {
      const id = req.params.id;
      if (!paperExists.get(id) && !deps.graph.entity(`paper:${id}`)) throw new NotFoundError(`no paper ${id}`);
      return deps.graph.codeFor(id);
    },
  );
};
