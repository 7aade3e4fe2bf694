import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../../errors.js';
import { queryRestartLog, type Registry } from '../../supervisors/index.js';
import { ActorNodeSchema, ErrorBody, RestartRecordSchema } from '../schemas.js';

export interface ActorRouteDeps {
  readonly registry: Registry;
  readonly db: Database;
  readonly node: string;
  readonly testHooks: boolean;
}

/** The live actor tree, the restart log, and (in tests only) a way to crash an actor. */
export const actorRoutes: FastifyPluginAsyncTypebox<ActorRouteDeps> = async (app, deps) => {
  app.get(
    '/v1/actors',
    { config: { scope: 'read' }, schema: { summary: 'The live supervision tree of this node', response: { 200: Type.Object({ node: Type.String(), tree: Type.Array(ActorNodeSchema) }) } } },
    async () => ({ node: deps.node, tree: deps.registry.tree() }),
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
};
