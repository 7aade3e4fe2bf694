import type { Logger } from 'pino';
import { pullingStage } from '../actors/pulling-stage.js';
import type { Config } from '../config/schema.js';
import { PdfFetcher } from '../fetcher/pdf-fetcher.js';
import type { Clock } from '../runtime/clock.js';
import type { ArxivHttpClient } from '../sources/arxiv/http-client.js';
import type { Store } from '../storage/store.js';
import { DepthWatcher, tell, type ActorSystem, type ChildSpec } from '../supervisors/index.js';
import type { ElasticPool } from './elastic-pool.js';
import { enricherStage, type EnrichmentLlm } from './enricher-stage.js';
import { extractorStage } from './extractor-stage.js';
import { fetcherStage } from './fetcher-stage.js';
import { indexerStage } from './indexer-stage.js';
import { JOB } from './job-kinds.js';
import { stagePool, type StagePool } from './stage-pool.js';
import { vectorSyncStage } from './vector-sync-stage.js';

export interface Ingestion {
  /** Children for the storage supervisor (vector sync) and the pipeline supervisor (the stages). */
  readonly storageChildren: readonly ChildSpec[];
  readonly pipelineChildren: readonly ChildSpec[];
  /** Backpressure for every producer (poller, harvester, importer, webhooks). */
  readonly watcher: DepthWatcher;
  /** Ingest jobs not done plus outbox rows not yet in both LanceDB tables (papers and chunks): what the watermarks apply to. */
  depth(): number;
  /** Wakes the indexer (after a producer journaled something) and the syncs (after the outbox grew). */
  nudge(): void;
  /** The stages that run as elastic pools (`pipeline.pools.*.max` > 1), for metrics. */
  readonly pools: readonly ElasticPool[];
}

export interface IngestionDeps {
  readonly system: ActorSystem;
  readonly store: Store;
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;
  /** The shared arXiv client; without it no PDF is fetched. */
  readonly arxiv?: ArxivHttpClient;
  /** Distinguishes this process's leases from others'. */
  readonly owner: string;
  /** The LLM that enriches papers; without it the embedded fallback does. */
  readonly llm?: EnrichmentLlm;
  /**
   * Run the enricher here (a node). CLI runs only queue enrichment jobs, for the node to do: an
   * import should not wait on an LLM.
   */
  readonly runEnricher?: boolean;
  /** Work of this pipeline queued or in flight on other nodes (the link's outboxes and asks): part of the depth producers are held back by. */
  readonly remoteDepth?: () => number;
}

/**
 * The ingestion pipeline as actors: indexer → (fetcher → extractor) → vector sync, each pulling
 * its own jobs from the journal and nudging the next after it commits.
 */
export function createIngestion(deps: IngestionDeps): Ingestion {
  const { system, store, config, clock, log } = deps;
  const { db, journal, papers } = store;
  const p = config.pipeline;
  const idle = { idleMs: p.idleMs };
  const fetchPdfs = p.fetchPdfs && deps.arxiv !== undefined;

  let fetcher: StagePool | undefined;
  let extractor: StagePool | undefined;
  // Fetcher, extractor and enricher: one actor each, or an elastic pool (pipeline.pools).
  const pooled = (name: 'fetcher' | 'extractor' | 'enricher', kind: string, shutdownMs: number) => ({
    name, ...p.pools[name], backlogPerWorker: p.pools.backlogPerWorker, shrinkAfterMs: p.pools.shrinkAfterMs,
    depth: () => journal.pendingOf(kind), idleMs: p.idleMs, shutdownMs, clock, log,
    intensity: config.supervision.intensity, periodMs: config.supervision.periodMs,
  });
  const enricher = config.enrichment.enabled && deps.runEnricher
    ? stagePool(
        system,
        // Requests in flight are cancelled with the router; their jobs go back to the journal.
        pooled('enricher', JOB.enrich, 30_000),
        (ctx, suffix) =>
          enricherStage({
            db, journal, papers, writeGate: store.writeGate, clock, log: ctx.log, owner: `${deps.owner}:enricher${suffix}`, leaseMs: 15 * 60_000, concurrency: config.enrichment.concurrency,
            ...(deps.llm ? { llm: deps.llm } : {}),
          }),
      )
    : undefined;

  store.indexWriter.start();
  const vectorSync = system.worker('vector-sync', pullingStage((ctx) => vectorSyncStage(store.vectorSync, 500, { clock: ctx.clock, log: ctx.log }), idle), { shutdownMs: 30_000 });
  const chunkSync = system.worker('chunk-sync', pullingStage((ctx) => vectorSyncStage(store.chunkSync, 512, { clock: ctx.clock, log: ctx.log }), idle), { shutdownMs: 30_000 });
  const indexer = system.worker(
    'indexer',
    pullingStage(
      (ctx) =>
        indexerStage({
          writer: store.indexWriter, journal, clock, log: ctx.log, owner: `${deps.owner}:indexer`, batchSize: p.batchSize, leaseMs: p.leaseMs, fetchPdfs,
          delayPerItemMs: p.indexerDelayPerItemMs, enrich: config.enrichment.enabled,
          committed: ({ pdfJobs, enrichJobs }) => {
            if (enrichJobs > 0 && enricher) enricher.nudge();
            tell(vectorSync.ref, { type: 'work' });
            tell(chunkSync.ref, { type: 'work' });
            if (pdfJobs > 0 && fetcher) fetcher.nudge();
          },
        }),
      idle,
    ),
    { shutdownMs: 30_000 },
  );
  if (fetchPdfs) {
    const pdfFetcher = new PdfFetcher({ client: deps.arxiv!, blobs: store.blobs });
    fetcher = stagePool(system, pooled('fetcher', JOB.fetchPdf, 60_000), (ctx, suffix) =>
      fetcherStage({
        db, journal, papers, fetcher: pdfFetcher, clock, log: ctx.log, owner: `${deps.owner}:fetcher${suffix}`, leaseMs: 10 * 60_000,
        retryDelayMs: (attempt) => Math.min(6 * 3_600_000, 60_000 * 2 ** Math.max(0, attempt - 1)),
        committed: () => extractor?.nudge(),
      }),
    );
    extractor = stagePool(system, pooled('extractor', JOB.extract, 60_000), (ctx, suffix) =>
      extractorStage({
        db, journal, papers, blobs: store.blobs, clock, log: ctx.log, owner: `${deps.owner}:extractor${suffix}`, leaseMs: 10 * 60_000,
        committed: () => {
          tell(vectorSync.ref, { type: 'work' });
          tell(chunkSync.ref, { type: 'work' });
        },
      }),
    );
  }

  const localDepth = localPipelineDepth(store);
  const depth = () => localDepth() + (deps.remoteDepth?.() ?? 0);
  const watcher = new DepthWatcher({ high: p.highWatermark, low: p.lowWatermark, depth, clock, pollMs: 50 });
  watcher.onCrossing((c) => log.info({ crossing: c.type, depth: c.depth }, `pipeline backpressure: producers ${c.type}`));

  return {
    storageChildren: [vectorSync, chunkSync],
    pipelineChildren: [indexer, ...[fetcher, extractor, enricher].flatMap((s) => (s ? [s.spec] : []))],
    watcher,
    depth,
    nudge: () => {
      tell(indexer.ref, { type: 'work' });
      tell(vectorSync.ref, { type: 'work' });
      tell(chunkSync.ref, { type: 'work' });
      enricher?.nudge();
    },
    pools: [fetcher, extractor, enricher].flatMap((s) => (s?.pool ? [s.pool] : [])),
  };
}

/**
 * The work this node's pipeline holds: ingest jobs waiting, and outbox rows not synced yet. An
 * outbox row waits for both syncs but is one paper's work: counted once, a paper the indexer moves
 * from the journal to the outbox leaves the depth as it was. Both are read in one transaction: the
 * indexer's thread commits that move on its own connection, and reads on either side of a commit
 * counted its papers twice (a depth 18 past its bound in the backpressure test).
 */
export function localPipelineDepth(store: Pick<Store, 'db' | 'journal' | 'vectorSync' | 'chunkSync'>): () => number {
  return store.db.transaction(() => store.journal.pendingOf(JOB.ingest) + Math.max(store.vectorSync.lag(), store.chunkSync.lag()));
}
