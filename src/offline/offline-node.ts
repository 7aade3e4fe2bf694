import type { FastifyInstance } from 'fastify';
import type { Registry as PromRegistry } from 'prom-client';
import { registerOfflineMetrics } from '../metrics/offline-metrics.js';
import type { Logger } from 'pino';
import { offlineSchedulerBehavior } from '../actors/offline-scheduler.js';
import type { JobsRouteDeps } from '../api/routes/jobs.js';
import type { Config } from '../config/schema.js';
import type { LocalRuntime } from '../node/local-runtime.js';
import { JOB } from '../pipeline/job-kinds.js';
import { journalSink } from '../pipeline/journal-sink.js';
import { SqliteCheckpointStore } from '../storage/sqlite/checkpoints.js';
import type { ActorSystem, ChildSpec } from '../supervisors/index.js';
import { ApiLatency, measureApiLatency } from './api-latency.js';
import { backfillClass } from './backfill/backfill-class.js';
import { BackfillRequests } from './backfill/backfill-requests.js';
import { GpuLeases, routerDemand, type GpuHeat } from './gpu-lease.js';
import { OfflineStore } from './offline-store.js';
import { cpuLoadPerCore, OnlineLoad } from './online-load.js';
import { Scheduler } from './scheduler.js';
import { EnrichmentStore } from '../storage/sqlite/enrichments.js';
import { reenrichClass } from './reprocess/reenrich-class.js';
import { refitClass } from './reprocess/refit-class.js';
import { qualityClass } from './quality/quality-class.js';
import { ocrClass, tesseractEngine, vlmEngine, type OcrEngine } from '../ocr/index.js';
import { blobGc } from './maintenance/blob-gc.js';
import { maintenanceClass } from './maintenance/maintenance-class.js';
import { ftsMerge, incrementalVacuum, walCheckpoint } from './maintenance/sqlite-upkeep.js';
import { vectorIndexUpkeep } from './maintenance/vector-index-upkeep.js';

/** The offline part of a node: its scheduler actor, the jobs API, and the API latency it watches. */
export interface OfflineNode {
  readonly scheduler: Scheduler;
  /** Children of the `offline` supervisor. */
  readonly children: readonly ChildSpec[];
  readonly routes: JobsRouteDeps;
  /** Call once the API exists: its online routes' latency becomes a load signal. */
  watchApi(app: FastifyInstance): void;
  /** The scheduler's classes, load and GPU leases in `/metrics`. */
  registerMetrics(prom: PromRegistry): void;
}

const ONLINE_KINDS = Object.values(JOB);

/**
 * Builds the scheduler and its built-in classes (backfill where the node holds papers) over the
 * node's store, with its load signals: online pipeline jobs due, API latency, online LLM requests
 * queued, CPU. Other modules add classes with `scheduler.register(...)`. `gpuHeat` holds the GPU
 * leases back while their GPU is hot (src/ops/gpu/heat.ts).
 */
export function createOfflineNode(system: ActorSystem, runtime: LocalRuntime, config: Config, log: Logger, signals: { readonly gpuHeat?: GpuHeat; readonly ocrEngine?: (local: OcrEngine) => OcrEngine } = {}): OfflineNode {
  const { store, clock } = runtime;
  const c = config.offline;
  const latency = new ApiLatency();
  // Only due jobs: a retry waiting hours for its backoff is not load.
  const onlineDue = store.db.prepare(
    `SELECT count(*) FROM jobs WHERE kind IN (SELECT value FROM json_each(?)) AND state IN ('queued', 'leased') AND priority <= 1 AND (state = 'leased' OR not_before <= ?)`,
  ).pluck();
  const kinds = JSON.stringify(ONLINE_KINDS);
  const llm = runtime.llm;
  const load = new OnlineLoad(
    {
      depth: () => onlineDue.get(kinds, clock.now()) as number,
      apiP95Ms: () => latency.p95(),
      apiSlowdown: () => latency.slowdown(),
      ...(llm ? { llmOnlineQueued: () => llm.snapshot().endpoints.reduce((n, e) => n + e.queued.online, 0) } : {}),
      cpu: cpuLoadPerCore,
    },
    c.load,
  );
  const gpuLeases = llm && c.gpuNodes.length > 0 ? new GpuLeases(store.db, c.gpuNodes, routerDemand(() => llm.snapshot()), log.child({ component: 'gpu-lease' }), () => clock.now(), signals.gpuHeat) : undefined;
  const offlineStore = new OfflineStore(store.db, () => clock.now());
  const scheduler = new Scheduler({
    store: offlineStore,
    load,
    clock,
    log: log.child({ component: 'offline' }),
    tickMs: c.tickMs,
    stepMs: c.stepMs,
    concurrency: c.concurrency,
    classSettings: c.classes,
    ...(gpuLeases ? { gpuLeases } : {}),
  });
  latency.offlineActive = () => scheduler.busy();
  let backfills: BackfillRequests | undefined;
  if (runtime.ingestion) {
    backfills = new BackfillRequests(store.db, () => clock.now());
    scheduler.register(
      backfillClass({
        db: store.db,
        requests: backfills,
        client: runtime.arxiv,
        sink: journalSink(store.journal, runtime.ingestion),
        checkpoints: new SqliteCheckpointStore(store.db),
        backlog: c.backfillBacklog,
      }),
    );
  }
  if (runtime.ingestion) {
    const hour = 3_600_000;
    scheduler.register(
      maintenanceClass(
        [
          // Overdue past a few periods: under a load that never lets up they run anyway, alone.
          walCheckpoint(store.db, 5 * 60_000, 15 * 60_000),
          ftsMerge(store.db, 'papers_fts', 6 * hour),
          incrementalVacuum(store.db, 24 * hour),
          // Compaction and index builds were the vector-index actor's; here they wait for room.
          // Rows not in the vector index are scanned whole by every search (memory and open files
          // grow with them under concurrent searches), so the index may wait two checks, but at
          // least two minutes: checks are frequent, and a write that would overflow the rows kept
          // in memory runs the index itself.
          vectorIndexUpkeep({ papers: store.vectors, chunks: store.chunkVectors }, config.pipeline.vectorIndexCheckMs, Math.max(2 * config.pipeline.vectorIndexCheckMs, 2 * 60_000)),
          blobGc(store.db, store.blobs.root, 24 * hour),
        ],
        { now: () => clock.now(), lastOf: () => offlineStore.get('maintenance').cursor as { last: Record<string, number> } | undefined },
      ),
    );
  }
  if (runtime.ingestion && c.ocr.enabled) {
    const tesseract = tesseractEngine(c.ocr.language);
    const engine = llm && gpuLeases && c.ocr.vlmModel && c.ocr.vlmNode
      ? vlmEngine({ router: llm, model: c.ocr.vlmModel, leases: gpuLeases, node: c.ocr.vlmNode, fallback: tesseract })
      : tesseract;
    // With link.ocrNode, pages go to that node's OCR actor and come back here when it cannot read them.
    const reader = signals.ocrEngine ? signals.ocrEngine(engine) : engine;
    scheduler.register(ocrClass({ db: store.db, papers: store.papers, blobs: store.blobs, engine: reader, dpi: c.ocr.dpi, now: () => clock.now() }));
  }
  const ingestion = runtime.ingestion;
  if (ingestion && !config.embeddings.model) {
    scheduler.register(refitClass({ db: store.db, embedders: store.embedders, everyMs: config.pipeline.refitCheckMs, now: () => clock.now(), refitted: () => ingestion.nudge() }));
  }
  if (ingestion && llm && config.enrichment.enabled) {
    scheduler.register(reenrichClass({
      journal: store.journal, enrichments: new EnrichmentStore(store.db), router: llm, backlog: 2_000, everyMs: config.enrichment.redoCheckMs,
      now: () => clock.now(), queued: () => ingestion.nudge(),
    }));
  }
  if (runtime.ingestion) scheduler.register(qualityClass(store.db, { everyMs: c.qualityEveryMs, now: () => clock.now() }));
  const actor = system.worker('scheduler', offlineSchedulerBehavior(scheduler), { shutdownMs: 10_000 });
  return {
    scheduler,
    children: [actor],
    routes: { scheduler, ...(backfills ? { backfills, backup: { db: store.db, dataDir: config.dataDir } } : {}) },
    watchApi: (app) => measureApiLatency(app, latency),
    registerMetrics: (prom) => registerOfflineMetrics(prom, scheduler, gpuLeases),
  };
}
