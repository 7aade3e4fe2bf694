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
import { createSandboxPart } from '../sandbox/node-part.js';
import { createOfflineNode } from '../offline/offline-node.js';
import { graphRecomputeClass } from '../graph/derive/index.js';
import { sqlitePath } from '../storage/sqlite/database.js';
import { openLocalRuntime } from './local-runtime.js';
import { openNodeLink } from '../link/node-link.js';
import { registerLinkMetrics } from '../link/metrics.js';
import { systemClock } from '../runtime/clock.js';
import { buildTree, noParts } from './tree.js';
import { createNodeOps } from '../ops/node-ops.js';
import { registerSandboxMetrics } from '../metrics/sandbox-metrics.js';

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
  // The link first: the LLM router's `remote` endpoints are its peers' inference actors.
  const nodeLink = openNodeLink(config, log, systemClock());
  const runtime = await openLocalRuntime(config, log, `node ${config.node}`, { enrich: true, ...(nodeLink ? { upstream: (e) => nodeLink.upstream(e), remoteDepth: () => nodeLink.remoteDepth() } : {}) });
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
  const sandbox = ingestion ? createSandboxPart(system, store, config, log, runtime.llm) : undefined;

  // The embedded model is learned from the corpus; an embeddings endpoint's model is not.
  // With the offline scheduler, refits and re-enrichment are its job classes (src/offline/reprocess).
  const refit = ingestion && !config.embeddings.model && !config.offline.enabled
    ? system.worker(
        'embedder-refit',
        embedderRefitBehavior({ db: store.db, embedders: store.embedders, everyMs: config.pipeline.refitCheckMs, refitted: () => ingestion.nudge() }),
        { shutdownMs: 60_000 },
      )
    : undefined;

  // With the offline scheduler, compaction and index builds are a maintenance task that waits for room.
  const vectorIndex = ingestion && !config.offline.enabled
    ? system.worker(
        'vector-index',
        vectorIndexBehavior({ tables: { papers: store.vectors, chunks: store.chunkVectors }, everyMs: config.pipeline.vectorIndexCheckMs }),
        // An index build in flight (about a minute at a million rows) is waited for, not torn.
        { shutdownMs: 120_000 },
      )
    : undefined;

  const enrichmentRedo =
    ingestion && runtime.llm && config.enrichment.enabled && !config.offline.enabled
      ? system.worker(
          'enrichment-redo',
          enrichmentRedoBehavior({
            journal: store.journal, enrichments: new EnrichmentStore(store.db), router: runtime.llm, everyMs: config.enrichment.redoCheckMs, batch: 2_000,
            queued: () => ingestion.nudge(),
          }),
        )
      : undefined;

  // GPU leases wait while their GPU is hot; `ops` (below) is asked only once the scheduler ticks.
  const offline = config.offline.enabled ? createOfflineNode(system, runtime, config, log, { gpuHeat: (node) => ops.gpuHeat(node), ...(nodeLink?.ocrEngine ? { ocrEngine: nodeLink.ocrEngine } : {}) }) : undefined;
  if (offline && ingestion) {
    offline.scheduler.register(
      graphRecomputeClass({ db: store.db, vectors: store.vectors, databaseFile: sqlitePath(config.dataDir), clock: runtime.clock, everyMs: config.graph.recomputeEveryMs }),
    );
  }

  const llmRouter = runtime.llm ? system.worker('llm-router', llmRouterBehavior(runtime.llm), { shutdownMs: 5_000 }) : undefined;

  // Alerts, GPU telemetry, drain and status (src/ops); the drain stops the node as SIGTERM does.
  const ops = createNodeOps({
    system, runtime, config, log, version: packageVersion(), isReady: () => ready,
    stop: () => (process.listenerCount('SIGTERM') > 0 ? process.kill(process.pid, 'SIGTERM') : void stop()),
    ...(nodeLink ? { peers: () => [...nodeLink.link.sessions.values()].map((s) => s.snapshot()), nodes: () => nodeLink.nodes(system) } : {}),
    ...(offline ? { offline: () => offline.scheduler.snapshot() } : {}),
  });
  const prom = createMetrics(system.registry, config.node);
  ops.registerMetrics(prom);
  if (ingestion) registerPipelineMetrics(prom, ingestion, store.journal);
  if (runtime.llm) registerLlmMetrics(prom, runtime.llm);
  offline?.registerMetrics(prom);
  if (sandbox?.service) registerSandboxMetrics(prom, sandbox.service.runner, store.db);
  const linkParts = nodeLink?.parts(system, runtime.llm);
  if (nodeLink) registerLinkMetrics(prom, nodeLink.link, nodeLink.ocrEngine ? nodeLink.ocrPages : undefined);
  const search = ingestion ? new SearchService({ db: store.db, vectors: store.vectors, embedder: () => store.embedder, writeGate: store.writeGate }) : undefined;
  search?.start();
  const api = await buildApi({
    log,
    node: config.node,
    registry: system.registry,
    db: store.db,
    prom,
    isReady: () => ready,
    ...(nodeLink ? { nodes: () => nodeLink.nodes(system) } : {}),
    testHooks: config.testHooks,
    bodyLimitBytes: config.api.bodyLimitBytes,
    version: packageVersion(),
    auth: { openReads: config.api.openReads, perMinuteKeyed: config.api.rateLimitPerKey, perMinuteAnonymous: config.api.rateLimitPerAddress },
    ...(poller ? { sources: { arxivPoller: poller.ref } } : {}),
    ...(runtime.llm ? { llm: { router: runtime.llm } } : {}),
    ...(graphSources ? { graph: graphSources.graphRoutes, webhooks: graphSources.webhookRoutes } : {}),
    ...(sandbox ? { sandbox: sandbox.routes } : {}),
    ...(ingestion
      ? {
          papers: {
            db: store.db,
            search: search!,
            categories: config.arxiv.categories,
            pipelineDepth: () => ingestion.depth(),
          },
        }
      : {}),
    ...(ingestion ? { pipeline: { depth: () => ingestion.depth(), watcher: ingestion.watcher, highWatermark: config.pipeline.highWatermark, lowWatermark: config.pipeline.lowWatermark } } : {}),
    ...(offline ? { jobs: offline.routes } : {}),
    ...(ingestion ? { importer: { dataDir: config.dataDir, importReader: store.importReader, ingestion, importLimitBytes: config.api.importLimitBytes } } : {}),
  });

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      ready = false;
      // The clock's timers are unref'd: once the API is closed, a stage waiting on one (the arXiv
      // limiter, a retry delay) would leave the event loop empty and the process would exit before
      // the stop finished, with that stage's leases still held. This keeps it alive until then.
      const keepAlive = setInterval(() => {}, 60_000);
      try {
        await stopParts();
      } finally {
        clearInterval(keepAlive);
      }
    })());
  const stopParts = async (): Promise<void> => {
    await api.close();
    await search?.close();
    // A model fit in progress is stopped rather than waited for: it is redone at the next check.
    store.embedders.close();
    await system.shutdown();
    sandbox?.close();
    await runtime.close();
  };

  offline?.watchApi(api);
  await ops.install(api, prom);
  // Listen first, so /health answers and /ready says 503 while the tree starts.
  const url = await api.listen({ host: config.api.host, port: config.api.port });
  runtime.lock.setUrl(url);
  ops.setUrl(url);
  const parts = {
    ...noParts,
    storage: [...(ingestion?.storageChildren ?? []), ...(vectorIndex ? [vectorIndex] : [])],
    sources: [...(poller ? [poller] : []), ...(graphSources?.children ?? [])],
    // The router first: the enricher it serves starts after it, and stops before it.
    pipeline: [...(llmRouter ? [llmRouter] : []), ...(linkParts?.pipeline ?? []), ...(ingestion?.pipelineChildren ?? [])],
    link: linkParts?.link ?? [],
    sandbox: sandbox?.children ?? [],
    offline: [...(offline?.children ?? []), ...(refit ? [refit] : []), ...(enrichmentRedo ? [enrichmentRedo] : []), ...ops.offlineChildren],
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
