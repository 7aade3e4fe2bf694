import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Drain } from '../../ops/drain.js';
import { ErrorBody } from '../schemas.js';

/** `POST /v1/drain` (admin): the node stops taking work, finishes or hands back what it holds, and exits 0. */
export const drainRoutes: FastifyPluginAsyncTypebox<{ readonly drain: Drain }> = async (app, deps) => {
  app.post(
    '/v1/drain',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Drain this node: no new work, leases back to the journal, then exit 0 (for rolling restarts)',
        response: { 202: Type.Object({ node: Type.String(), draining: Type.Literal(true), leasedAtStart: Type.Integer() }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (_req, reply) => reply.code(202).send(deps.drain.begin()),
  );
};
