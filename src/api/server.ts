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
import { jobRoutes, type JobsRouteDeps } from './routes/jobs.js';
import { actorEventRoutes } from './routes/actor-events.js';
import type { ActorEventOptions } from './routes/actor-event-hub.js';
import { statsSeriesRoutes } from './routes/stats-series.js';
import { pipelineStateRoutes, type PipelineStateDeps } from './routes/pipeline-state.js';
import { webRoutes, type WebRouteDeps } from './routes/web.js';
import { sandboxRoutes, type SandboxRouteDeps } from './routes/sandbox.js';

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
  /** Present on nodes that hold the stores: the Docker sandbox (503s when it cannot run code). */
  readonly sandbox?: SandboxRouteDeps;
  /** The live actor stream's limits (clients, heartbeat, tree refresh); defaults otherwise. */
  readonly actorEvents?: Partial<ActorEventOptions>;
  /** Present on nodes that run the ingestion pipeline: its depth and backpressure. */
  readonly pipeline?: PipelineStateDeps;
  /** Where the built web page is; defaults to dist/web. */
  readonly web?: WebRouteDeps;
  /** Present where the offline scheduler runs: `GET /v1/jobs`, pause, resume, backfill. */
  readonly jobs?: JobsRouteDeps;
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
  await app.register(actorEventRoutes, deps);
  await app.register(webRoutes, deps.web ?? {});
  if (deps.importer) await app.register(importRoutes, deps.importer);
  if (deps.sources) await app.register(sourceRoutes, deps.sources);
  if (deps.papers) await app.register(paperRoutes, deps.papers);
  if (deps.papers) await app.register(statsSeriesRoutes, deps.papers);
  if (deps.pipeline) await app.register(pipelineStateRoutes, deps.pipeline);
  if (deps.llm) await app.register(llmRoutes, deps.llm);
  if (deps.graph) await app.register(graphRoutes, deps.graph);
  if (deps.webhooks) await app.register(webhookRoutes, deps.webhooks);
  if (deps.sandbox) await app.register(sandboxRoutes, deps.sandbox);
  if (deps.jobs) await app.register(jobRoutes, deps.jobs);
  return app as unknown as FastifyInstance;
}
