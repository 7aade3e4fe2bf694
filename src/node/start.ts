import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from '../api/server.js';
import type { Config } from '../config/schema.js';
import { registerPipelineMetrics } from '../metrics/pipeline-metrics.js';
import { createMetrics } from '../metrics/registry.js';
import { registerLlmMetrics } from '../inference/metrics.js';
import type { ActorSystem } from '../supervisors/index.js';
import type { Store } from '../storage/store.js';
import { arxivPollerBehavior } from '../actors/arxiv-poller.js';
import { enrichmentRedoBehavior } from '../actors/enrichment-redo.js';
import { llmRouterBehavior } from '../actors/llm-router.js';
import { EnrichmentStore } from '../storage/sqlite/enrichments.js';
import { vectorIndexBehavior } from '../actors/vector-index.js';
import { embedderRefitBehavior } from '../actors/embedder-refit.js';
import { journalSink } from '../pipeline/journal-sink.js';
import { SqliteCheckpointStore } from '../storage/sqlite/checkpoints.js';
import { SearchService } from '../search/search-service.js';
import { createGraphSources } from './graph-sources.js';
import { openLocalRuntime } from './local-runtime.js';
import { buildTree, noParts } from './tree.js';

export interface RunningNode {
  readonly url: string;
  readonly system: ActorSystem;
  readonly store: Store;
  readonly api: FastifyInstance;
  /** Stops the API, then the tree (children in reverse start order), then closes the store. */
  stop(): Promise<void>;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Starts one node: its data dir and store, its actor system and tree, and its API. When the
 * root supervisor gives up, `onFatal` is called (the CLI exits non-zero).
 */
export async function startNode(config: Config, log: Logger, onFatal: (error: unknown) => void): Promise<RunningNode> {
  const runtime = await openLocalRuntime(config, log, `node ${config.node}`, { enrich: true });
  const { system, store, ingestion } = runtime;
  system.registry.inspect((event) => {
    if (event.type === 'actor.started' || event.type === 'actor.stopped') log.debug({ actor: event.path, event: event.type }, event.type);
  });
  let ready = false;
  let stopping: Promise<void> | undefined;

  const poller =
    ingestion && config.arxiv.poll
      ? system.worker(
          'arxiv-poller',
          arxivPollerBehavior({
            client: runtime.arxiv,
            sink: journalSink(store.journal, ingestion),
            checkpoints: new SqliteCheckpointStore(store.db),
            categories: config.arxiv.categories,
          }),
          // A poll in flight pages at one request every 3 s; it is aborted past this.
          { shutdownMs: 10_000 },
        )
      : undefined;

  const graphSources = ingestion ? createGraphSources(system, store, config, runtime.clock, log, `${config.node}:${process.pid}`) : undefined;

  // The embedded model is learned from the corpus; an embeddings endpoint's model is not.
  const refit = ingestion && !config.embeddings.model
    ? system.worker(
        'embedder-refit',
        embedderRefitBehavior({ db: store.db, embedders: store.embedders, everyMs: config.pipeline.refitCheckMs, refitted: () => ingestion.nudge() }),
        { shutdownMs: 60_000 },
      )
    : undefined;

  const vectorIndex = ingestion
    ? system.worker(
        'vector-index',
        vectorIndexBehavior({ tables: { papers: store.vectors, chunks: store.chunkVectors }, everyMs: config.pipeline.vectorIndexCheckMs }),
        // An index build in flight (about a minute at a million rows) is waited for, not torn.
        { shutdownMs: 120_000 },
      )
    : undefined;

  const enrichmentRedo =
    ingestion && runtime.llm && config.enrichment.enabled
      ? system.worker(
          'enrichment-redo',
          enrichmentRedoBehavior({
            journal: store.journal, enrichments: new EnrichmentStore(store.db), router: runtime.llm, everyMs: config.enrichment.redoCheckMs, batch: 2_000,
            queued: () => ingestion.nudge(),
          }),
        )
      : undefined;

  const llmRouter = runtime.llm ? system.worker('llm-router', llmRouterBehavior(runtime.llm), { shutdownMs: 5_000 }) : undefined;

  const prom = createMetrics(system.registry, config.node);
  if (ingestion) registerPipelineMetrics(prom, ingestion, store.journal);
  if (runtime.llm) registerLlmMetrics(prom, runtime.llm);
  const api = await buildApi({
    log,
    node: config.node,
    registry: system.registry,
    db: store.db,
    prom,
    isReady: () => ready,
    testHooks: config.testHooks,
    bodyLimitBytes: config.api.bodyLimitBytes,
    version: packageVersion(),
    auth: { openReads: config.api.openReads, perMinuteKeyed: config.api.rateLimitPerKey, perMinuteAnonymous: config.api.rateLimitPerAddress },
    ...(poller ? { sources: { arxivPoller: poller.ref } } : {}),
    ...(runtime.llm ? { llm: { router: runtime.llm } } : {}),
    ...(graphSources ? { graph: graphSources.graphRoutes, webhooks: graphSources.webhookRoutes } : {}),
    ...(ingestion
      ? {
          papers: {
            db: store.db,
            search: new SearchService({ db: store.db, vectors: store.vectors, embedder: () => store.embedder }),
            categories: config.arxiv.categories,
            pipelineDepth: () => ingestion.depth(),
          },
        }
      : {}),
    ...(ingestion ? { importer: { dataDir: config.dataDir, journal: store.journal, ingestion, importLimitBytes: config.api.importLimitBytes } } : {}),
  });

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      ready = false;
      await api.close();
      // A model fit in progress is stopped rather than waited for: it is redone at the next check.
      store.embedders.close();
      await system.shutdown();
      await runtime.close();
    })());

  // Listen first, so /health answers and /ready says 503 while the tree starts.
  const url = await api.listen({ host: config.api.host, port: config.api.port });
  runtime.lock.setUrl(url);
  const parts = {
    ...noParts,
    storage: [...(ingestion?.storageChildren ?? []), ...(vectorIndex ? [vectorIndex] : [])],
    sources: [...(poller ? [poller] : []), ...(graphSources?.children ?? [])],
    // The router first: the enricher it serves starts after it, and stops before it.
    pipeline: [...(llmRouter ? [llmRouter] : []), ...(ingestion?.pipelineChildren ?? [])],
    offline: [...(refit ? [refit] : []), ...(enrichmentRedo ? [enrichmentRedo] : [])],
  };
  try {
    await system.start(buildTree(system, config, parts), (error) => {
      ready = false;
      log.fatal({ err: error, node: config.node }, 'root supervisor gave up: the node is shutting down');
      onFatal(error);
    });
  } catch (error) {
    await stop();
    throw error;
  }
  ready = true;
  log.info({ node: config.node, url, dataDir: config.dataDir }, 'paperd is up');
  return { url, system, store, api, stop };
}
