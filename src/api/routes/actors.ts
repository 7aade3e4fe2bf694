import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../errors.js';
import { queryRestartLog, type ActorNode, type Registry } from '../../supervisors/index.js';
import { ActorNodeSchema, ErrorBody, RestartRecordSchema } from '../schemas.js';

export interface ActorRouteDeps {
  readonly registry: Registry;
  readonly db: Database;
  readonly node: string;
  readonly testHooks: boolean;
  /** Several machines: this node and its link peers, with their trees (asked over the link). */
  readonly nodes?: () => Promise<NodeViewBody[]>;
}

const NodeViewSchema = Type.Object({
  name: Type.String(),
  self: Type.Boolean({ description: 'this node' }),
  state: Type.Union([Type.Literal('up'), Type.Literal('suspect'), Type.Literal('down')], { description: 'as the link sees it' }),
  lastHeardMsAgo: Type.Union([Type.Number(), Type.Null()]),
  outbox: Type.Integer({ description: 'reliable messages waiting for its ack' }),
  asks: Type.Integer({ description: 'asks waiting for its answer' }),
  // The ActorNode schema may appear once per response schema; a peer's tree is the same shape, sent as it came.
  tree: Type.Union([Type.Array(Type.Unsafe<ActorNode>(Type.Unknown())), Type.Null()], { description: 'its live tree (ActorNode, as `tree`); null when it did not answer' }),
  error: Type.Union([Type.String(), Type.Null()]),
});
type NodeViewBody = Static<typeof NodeViewSchema>;

/** The live actor tree, the restart log, and (in tests only) a way to crash an actor. */
export const actorRoutes: FastifyPluginAsyncTypebox<ActorRouteDeps> = async (app, deps) => {
  app.get(
    '/v1/actors',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The live supervision tree of this node; with a link, `nodes` holds every node of the lab and its tree',
        response: { 200: Type.Object({ node: Type.String(), tree: Type.Array(ActorNodeSchema), nodes: Type.Optional(Type.Array(NodeViewSchema)) }) },
      },
    },
    async () => ({ node: deps.node, tree: deps.registry.tree(), ...(deps.nodes ? { nodes: await deps.nodes() } : {}) }),
  );

  app.get(
    '/v1/restarts',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The restart log: restarts, give-ups and escalations, newest first',
        querystring: Type.Object({
          actor: Type.Optional(Type.String({ description: 'an actor path; its descendants are included' })),
          since: Type.Optional(Type.Integer({ minimum: 0, description: 'epoch milliseconds' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
        }),
        response: { 200: Type.Object({ restarts: Type.Array(RestartRecordSchema) }) },
      },
    },
    async (req) => ({ restarts: queryRestartLog(deps.db, req.query).map((r) => ({ ...r, restarted: [...r.restarted] })) }),
  );

  if (!deps.testHooks) return;
  app.post(
    '/v1/test/crash',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Test hook: crash an actor while it handles its next message',
        body: Type.Object({ path: Type.String() }),
        response: { 202: Type.Object({ crashed: Type.String() }), 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const cell = deps.registry.get(req.body.path);
      if (!cell || !cell.injectCrash()) throw new NotFoundError(`no running actor at ${req.body.path}`);
      return reply.code(202).send({ crashed: req.body.path });
    },
  );
  app.post(
    '/v1/test/gc',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Test hook: a full garbage collection now, when the node runs with --expose-gc (the soak reads memory after one)',
        response: { 200: Type.Object({ collected: Type.Boolean({ description: 'false: the node runs without --expose-gc' }) }) },
      },
    },
    async () => {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      return { collected: gc !== undefined };
    },
  );
};
