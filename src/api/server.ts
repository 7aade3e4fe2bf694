import Fastify, { type FastifyInstance, type FastifyBaseLogger } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import { errorCodeOf, httpStatusOf } from '../errors.js';
import { installAuth, type AuthOptions } from './auth.js';
import { actorRoutes, type ActorRouteDeps } from './routes/actors.js';
import { healthRoutes, type HealthDeps } from './routes/health.js';
import { importRoutes, type ImportRouteDeps } from './routes/import.js';
import { sourceRoutes, type SourceRouteDeps } from './routes/sources.js';
import { paperRoutes, type PaperRouteDeps } from './routes/papers.js';
import { llmRoutes, type LlmRouteDeps } from './routes/llm.js';
import { graphRoutes, type GraphRouteDeps } from './routes/graph.js';
import { webhookRoutes, type WebhookRouteDeps } from './routes/webhooks.js';

export interface ApiDeps extends ActorRouteDeps, HealthDeps {
  readonly auth: Omit<AuthOptions, 'db'>;
  /** Present on nodes that hold the store of papers. */
  readonly importer?: ImportRouteDeps;
  /** Present on nodes that hold the store of papers. */
  readonly papers?: PaperRouteDeps;
  /** Present when this node polls arXiv. */
  readonly sources?: SourceRouteDeps;
  /** Present when this node routes inference (chat, embeddings) to LLM endpoints. */
  readonly llm?: LlmRouteDeps;
  /** Present on nodes that hold the knowledge graph. */
  readonly graph?: GraphRouteDeps;
  /** Present on nodes that take GitHub and Hugging Face webhooks into their journal. */
  readonly webhooks?: WebhookRouteDeps;
  readonly log: Logger;
  readonly bodyLimitBytes: number;
  readonly version: string;
}

/** The node's HTTP API: Fastify with TypeBox schemas, OpenAPI at /docs. */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.log.child({ component: 'api' }) as FastifyBaseLogger, bodyLimit: deps.bodyLimitBytes, disableRequestLogging: true }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(swagger, {
    openapi: { info: { title: 'paperd', description: 'A self-hosted research radar for machine learning', version: deps.version } },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // One mapping from the error catalogue to HTTP, so every route answers errors the same way.
  app.setErrorHandler((error, req, reply) => {
    const status = (error as { validation?: unknown }).validation ? 400 : httpStatusOf(error);
    if (status >= 500) req.log.error({ err: error }, 'request failed');
    const code = (error as { validation?: unknown }).validation ? 'PAPERD_BAD_INPUT' : errorCodeOf(error);
    void reply.code(status).send({ error: code, message: (error as Error).message, statusCode: status });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: 'PAPERD_NOT_FOUND', message: `no route ${req.method} ${req.url}`, statusCode: 404 });
  });

  await installAuth(app as unknown as FastifyInstance, { db: deps.db, ...deps.auth });
  await app.register(healthRoutes, deps);
  await app.register(actorRoutes, deps);
  if (deps.importer) await app.register(importRoutes, deps.importer);
  if (deps.sources) await app.register(sourceRoutes, deps.sources);
  if (deps.papers) await app.register(paperRoutes, deps.papers);
  if (deps.llm) await app.register(llmRoutes, deps.llm);
  if (deps.graph) await app.register(graphRoutes, deps.graph);
  if (deps.webhooks) await app.register(webhookRoutes, deps.webhooks);
  return app as unknown as FastifyInstance;
}
