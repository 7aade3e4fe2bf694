import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { RemoteEmbedder } from '../embedding/remote-embedder.js';
import { ConfigError } from '../errors.js';
import { LlmRouter, type LlmRouterOptions } from '../inference/router.js';
import type { EnrichmentLlm } from '../pipeline/enricher-stage.js';
import { createIngestion, type Ingestion } from '../pipeline/ingestion.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { ArxivHttpClient } from '../sources/arxiv/http-client.js';
import { ArxivRateLimiter } from '../sources/arxiv/rate-limiter.js';
import { DataDirLock } from '../storage/data-dir-lock.js';
import { openStore, type Store } from '../storage/store.js';
import { ActorSystem, SqliteRestartLog } from '../supervisors/index.js';

/** What a process that owns a data dir runs: the lock, the stores, the actor system, ingestion. */
export interface LocalRuntime {
  readonly lock: DataDirLock;
  readonly store: Store;
  readonly system: ActorSystem;
  readonly clock: Clock;
  /** The one arXiv client of the process: everything it sends shares one rate limiter. */
  readonly arxiv: ArxivHttpClient;
  readonly limiter: ArxivRateLimiter;
  /** Absent on gpu and mac nodes, which hold no store of papers. */
  readonly ingestion: Ingestion | undefined;
  /** The router over the configured LLM endpoints; absent when none is configured. */
  readonly llm: LlmRouter | undefined;
  /** Stops the LLM router, closes the stores and releases the lock (after the actor system has stopped). */
  close(): Promise<void>;
}

/**
 * Takes the data dir, opens its stores, and prepares the actor system and the ingestion actors
 * (not started: the caller builds the tree). Leases left by a dead owner go back to the queue
 * at once: holding the lock proves their owner is gone.
 */
export async function openLocalRuntime(config: Config, log: Logger, role: string, options: { enrich?: boolean; upstream?: LlmRouterOptions['upstream']; remoteDepth?: () => number } = {}): Promise<LocalRuntime> {
  mkdirSync(config.dataDir, { recursive: true });
  const lock = DataDirLock.acquire(config.dataDir, role);
  const clock = systemClock();
  const llm = config.llm.endpoints.length > 0 ? LlmRouter.fromConfig(config.llm, { clock, log, ...(options.upstream ? { upstream: options.upstream } : {}) }) : undefined;
  let store: Store;
  try {
    store = await openStore(config.dataDir, clock, { ...remoteEmbedder(config, llm), lancedbCache: config.lancedb });
  } catch (error) {
    lock.release();
    throw error;
  }
  const recovered = store.journal.releaseAll();
  if (recovered > 0) log.info({ jobs: recovered }, 'recovered jobs leased by a previous owner');
  const system = new ActorSystem({ name: `paperd-${config.node}`, log, restartLog: new SqliteRestartLog(store.db, log) });
  const limiter = new ArxivRateLimiter({ clock, intervalMs: config.arxiv.intervalMs });
  const arxiv = new ArxivHttpClient({
    limiter,
    clock,
    logger: log,
    userAgent: config.arxiv.userAgent,
    baseUrls: { api: config.arxiv.apiBaseUrl, listings: config.arxiv.listingBaseUrl, oai: config.arxiv.oaiBaseUrl, pdf: config.arxiv.pdfBaseUrl },
  });
  const serving = config.node === 'gpu' || config.node === 'mac';
  const enrichment = options.enrich && config.enrichment.enabled ? enrichmentLlm(config, llm, log) : undefined;
  const ingestion = serving
    ? undefined
    : createIngestion({ system, store, config, clock, log, arxiv, owner: `${config.node}:${process.pid}`, runEnricher: options.enrich ?? false, ...(enrichment ? { llm: enrichment } : {}), ...(options.remoteDepth ? { remoteDepth: options.remoteDepth } : {}) });
  return {
    lock, store, system, clock, arxiv, limiter, ingestion, llm,
    async close() {
      // The router's connection pools would otherwise keep a finished CLI run alive.
      await llm?.stop();
      ingestion?.watcher.close();
      store.close();
      lock.release();
    },
  };
}

/** The chat model enrichment asks: the configured one, else the first a chat endpoint names. */
function enrichmentLlm(config: Config, router: LlmRouter | undefined, log: Logger): EnrichmentLlm | undefined {
  if (!router) return undefined;
  const chat = config.llm.endpoints.filter((e) => [e.role ?? config.llm.defaults.role].flat().includes('chat'));
  const model = config.enrichment.model || chat.find((e) => e.models?.length)?.models?.[0];
  if (!model) {
    log.warn('no enrichment model: set enrichment.model or list models on a chat endpoint; the embedded fallback enriches papers');
    return undefined;
  }
  return { router, model };
}

/** The embeddings endpoint's embedder when `embeddings.model` names one. @throws ConfigError without an endpoint for it */
function remoteEmbedder(config: Config, router: LlmRouter | undefined): { remote?: RemoteEmbedder } {
  if (!config.embeddings.model) return {};
  if (!router) throw new ConfigError(`embeddings.model is ${JSON.stringify(config.embeddings.model)} but llm.endpoints lists no endpoint to ask`);
  return { remote: new RemoteEmbedder(router, config.embeddings.model, config.embeddings.dimensions) };
}
