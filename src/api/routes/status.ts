import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { NodeStatus } from '../../ops/status.js';

/** `GET /v1/status`: this node's health on one screen, with its peers' as the link sees them (`paperd status`). */
export const statusRoutes: FastifyPluginAsyncTypebox<{ readonly status: () => Promise<NodeStatus> }> = async (app, deps) => {
  app.get(
    '/v1/status',
    {
      config: { scope: 'read' },
      schema: {
        summary: "This node's health (actors, pipeline, jobs, alerts firing, LLM endpoints, GPU, arXiv lag, storage) and its peers'",
        response: { 200: Type.Record(Type.String(), Type.Unknown()) },
      },
    },
    async () => (await deps.status()) as unknown as Record<string, unknown>,
  );
};
