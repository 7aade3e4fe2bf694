import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Registry as PromRegistry } from 'prom-client';

export interface HealthDeps {
  readonly isReady: () => boolean;
  readonly prom: PromRegistry;
  readonly node: string;
}

/** Liveness, readiness and Prometheus metrics. */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthDeps> = async (app, deps) => {
  app.get('/health', { schema: { summary: 'The process answers', response: { 200: Type.Object({ status: Type.Literal('ok'), node: Type.String() }) } } }, async () => ({
    status: 'ok' as const,
    node: deps.node,
  }));

  app.get(
    '/ready',
    {
      schema: {
        summary: 'The supervision tree is up',
        response: { 200: Type.Object({ ready: Type.Boolean() }), 503: Type.Object({ ready: Type.Boolean() }) },
      },
    },
    async (_req, reply) => (deps.isReady() ? { ready: true } : reply.code(503).send({ ready: false })),
  );

  app.get('/metrics', { config: { scope: 'read' }, schema: { summary: 'Prometheus metrics' } }, async (_req, reply) => {
    reply.header('content-type', deps.prom.contentType);
    return deps.prom.metrics();
  });
};
