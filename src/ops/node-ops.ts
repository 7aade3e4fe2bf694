import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry as PromRegistry } from 'prom-client';
import { alertEvaluatorBehavior } from '../actors/alert-evaluator.js';
import { gpuTelemetryBehavior } from '../actors/gpu-telemetry.js';
import { alertRoutes } from '../api/routes/alerts.js';
import { drainRoutes } from '../api/routes/drain.js';
import { statusRoutes } from '../api/routes/status.js';
import type { Config } from '../config/schema.js';
import { registerGpuMetrics } from '../metrics/gpu-metrics.js';
import { instrumentApi } from '../metrics/http-metrics.js';
import { registerAlertMetrics, registerArxivMetrics, registerJobKindMetrics, registerPoolMetrics } from '../metrics/ops-metrics.js';
import { registerDiskMetrics, registerStoreSizeMetrics } from '../metrics/store-size-metrics.js';
import type { LocalRuntime } from '../node/local-runtime.js';
import type { GpuHeat } from '../offline/gpu-lease.js';
import { lancedbPath } from '../storage/store.js';
import { sqlitePath } from '../storage/sqlite/database.js';
import type { ActorNode, ActorSystem, ChildSpec } from '../supervisors/index.js';
import { AlertEngine } from './alerts/engine.js';
import { builtInRules } from './alerts/rules.js';
import type { AlertSignals, GpuSignal, PeerHealth } from './alerts/signals.js';
import { logSink, webhookSink } from './alerts/sinks.js';
import { AlertStore } from './alerts/store.js';
import { Drain } from './drain.js';
import { gpuHeat } from './gpu/heat.js';
import { GpuTelemetry } from './gpu/telemetry.js';
import { diskOf, journalFromDb, lastAnnouncementFromCheckpoint, llmFromRouter, sourcesFromRegistry, supervisionFromRestartLog } from './signals/node-signals.js';
import { NodeStatusReader } from './status-reader.js';
import { summaryOf, type NodeStatus } from './status.js';

/** A peer as the link's session reports it (src/link `PeerSession.snapshot()`). */
export interface LinkPeerSnapshot {
  readonly peer: string;
  readonly state: 'up' | 'suspect' | 'down';
  readonly lastHeardMsAgo: number | null;
}

/** A node as the link's `nodes()` shows it: this one or a peer, with its tree when it answered. */
export interface LinkNodeView {
  readonly name: string;
  readonly self: boolean;
  readonly state: string;
  readonly lastHeardMsAgo: number | null;
  readonly tree: ActorNode[] | null;
  readonly error: string | null;
}

export interface NodeOpsDeps {
  readonly system: ActorSystem;
  readonly runtime: LocalRuntime;
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
  readonly isReady: () => boolean;
  /** Stops the node as SIGTERM does (the drain's last step). */
  readonly stop: () => void;
  /** The link's peer sessions, where the node has peers (wires the peer-down rule). */
  readonly peers?: () => readonly LinkPeerSnapshot[];
  /** Every node with its tree asked over the link (status of all nodes; peers' GPU readings). */
  readonly nodes?: () => Promise<readonly LinkNodeView[]>;
  /** The offline scheduler's state, where it runs. */
  readonly offline?: () => { readonly paused: boolean; readonly load: { readonly level: string } };
}

/** What ops adds to a node: its actors, metrics, API routes and hooks, and the GPU signal. */
export interface NodeOps {
  /** Children of the `offline` supervisor: GPU telemetry, and the alert evaluator on main/single. */
  readonly offlineChildren: readonly ChildSpec[];
  /** True while heavy batch work should wait for a GPU to cool (always false without GPU telemetry). */
  readonly gpuHot: () => boolean;
  /** Why batch work may not take the GPU lease named `node` now (its GPU, here or on a peer, is hot), or undefined. */
  readonly gpuHeat: GpuHeat;
  readonly gpu: GpuTelemetry | undefined;
  readonly alerts: AlertEngine | undefined;
  readonly drain: Drain;
  registerMetrics(prom: PromRegistry): void;
  /** Adds the hooks (timing, webhook counts, draining) and routes (`/v1/alerts`, `/v1/status`, `/v1/drain`); call before listen. */
  install(api: FastifyInstance, prom: PromRegistry): Promise<void>;
  status(): Promise<NodeStatus>;
  setUrl(url: string): void;
}

const PEER_TREE_GPU = 'gpu-telemetry';

/**
 * Builds the node's operations: GPU telemetry (the gpu role, or `ops.gpu.telemetry`), the alert
 * engine over this node's signals (main and single: the node that evaluates for the lab), the
 * drain, the status report, and the metrics that cover the whole system.
 */
export function createNodeOps(deps: NodeOpsDeps): NodeOps {
  const { system, runtime, config, log } = deps;
  const { store, clock } = runtime;
  const c = config.ops;
  const evaluates = config.node === 'main' || config.node === 'single';
  const startedAt = clock.now();

  const gpu = config.node === 'gpu' || c.gpu.telemetry
    ? new GpuTelemetry({ command: c.gpu.nvidiaSmi, pauseAtC: c.gpu.pauseAtC, resumeBelowC: c.gpu.resumeBelowC, log: log.child({ component: 'gpu' }) })
    : undefined;

  const polls = config.arxiv.poll && runtime.ingestion !== undefined;
  const lastAnnouncementMs = polls ? lastAnnouncementFromCheckpoint(store.db, config.arxiv.categories) : undefined;
  const peers = deps.peers
    ? (): PeerHealth[] =>
        deps.peers!().map((p) => ({
          name: p.peer,
          state: p.state === 'down' ? 'down' : 'up',
          ...(p.lastHeardMsAgo === null ? {} : { lastSeenAt: clock.now() - p.lastHeardMsAgo }),
          ...(p.state === 'down' ? { reason: 'no heartbeat' } : {}),
        }))
    : undefined;
  const gpus = async (): Promise<GpuSignal[]> => {
    const mine: GpuSignal[] = gpu ? gpu.status().gpus.map((g) => ({ index: g.index, name: g.name, temperatureC: g.temperatureC })) : [];
    if (!deps.nodes) return mine;
    const theirs = (await deps.nodes()).filter((n) => !n.self && n.tree).flatMap((n) => {
      const summary = summaryOf(n.tree!, PEER_TREE_GPU);
      const readings = Array.isArray(summary?.gpus) ? (summary.gpus as { index: number; name: string; temperatureC: number | null }[]) : [];
      return readings.map((g) => ({ node: n.name, index: g.index, name: g.name, temperatureC: g.temperatureC }));
    });
    return [...mine, ...theirs];
  };
  const signals: AlertSignals = {
    sources: sourcesFromRegistry(system.registry, config, startedAt),
    supervision: supervisionFromRestartLog(store.db),
    disk: diskOf(config.dataDir),
    gpus,
    ...(lastAnnouncementMs ? { lastAnnouncementMs } : {}),
    ...(runtime.ingestion ? { journal: journalFromDb(store.db) } : {}),
    ...(runtime.llm ? { llmEndpoints: llmFromRouter(runtime.llm) } : {}),
    ...(peers ? { peers } : {}),
  };
  const rules = builtInRules(signals, c.alerts);
  const alerts = evaluates
    ? new AlertEngine({
        rules,
        sinks: [
          logSink(log.child({ component: 'alerts' })),
          ...(c.alerts.webhookUrl ? [webhookSink({ url: c.alerts.webhookUrl, token: c.alerts.webhookToken, timeoutMs: c.alerts.webhookTimeoutMs })] : []),
        ],
        store: new AlertStore(store.db),
        node: config.node,
        log: log.child({ component: 'alerts' }),
      })
    : undefined;

  const leased = store.db.prepare("SELECT count(*) FROM jobs WHERE state = 'leased'").pluck();
  const drain = new Drain({ node: config.node, log, leased: () => leased.get() as number, stop: deps.stop });

  const offlineChildren: ChildSpec[] = [
    ...(gpu ? [system.worker('gpu-telemetry', gpuTelemetryBehavior({ telemetry: gpu, everyMs: c.gpu.everyMs }), { shutdownMs: 10_000 })] : []),
    ...(alerts ? [system.worker('alert-evaluator', alertEvaluatorBehavior({ engine: alerts, everyMs: c.alerts.evaluateEveryMs }), { shutdownMs: 15_000 })] : []),
  ];

  let url: string | null = null;
  const statusReader = new NodeStatusReader({
    node: config.node, version: deps.version, startedAt, now: () => clock.now(), url: () => url,
    isReady: deps.isReady, draining: () => drain.draining, registry: system.registry, db: store.db,
    dataDir: config.dataDir, sqlite: sqlitePath(config.dataDir), lancedb: lancedbPath(config.dataDir),
    holdsPapers: runtime.ingestion !== undefined,
    ...(runtime.ingestion ? { pipeline: () => ({ depth: runtime.ingestion!.depth(), paused: runtime.ingestion!.watcher.isPaused }) } : {}),
    alerts: () => alerts?.firing() ?? [],
    ...(runtime.llm ? { llm: llmFromRouter(runtime.llm) } : {}),
    ...(gpu ? { gpu: () => gpu.status() } : {}),
    ...(lastAnnouncementMs ? { lastAnnouncementMs } : {}),
    ...(deps.offline ? { offline: deps.offline } : {}),
    ...(deps.nodes ? { nodes: deps.nodes } : {}),
  });

  const heat = gpuHeat({
    local: gpu, endpoints: config.llm.endpoints, everyMs: c.gpu.everyMs, now: () => clock.now(), log: log.child({ component: 'gpu' }),
    ...(deps.nodes ? { nodes: deps.nodes } : {}),
  });

  return {
    offlineChildren,
    gpuHot: () => gpu?.gpuHot() ?? false,
    gpuHeat: heat,
    gpu,
    alerts,
    drain,
    registerMetrics(prom) {
      registerArxivMetrics(prom, runtime.limiter, lastAnnouncementMs, () => clock.now());
      registerDiskMetrics(prom, config.dataDir);
      if (runtime.ingestion) {
        registerJobKindMetrics(prom, store.db);
        if (runtime.ingestion.pools.length > 0) registerPoolMetrics(prom, runtime.ingestion.pools);
        registerStoreSizeMetrics(prom, { sqlite: sqlitePath(config.dataDir), lancedb: lancedbPath(config.dataDir), blobs: store.blobs.root });
      }
      if (alerts) registerAlertMetrics(prom, () => alerts.firing());
      if (gpu) registerGpuMetrics(prom, gpu);
    },
    async install(api, prom) {
      drain.install(api);
      instrumentApi(api, prom);
      await api.register(alertRoutes, { node: config.node, alerts: () => alerts?.alerts() ?? [], rules: alerts ? rules : [] });
      await api.register(statusRoutes, { status: () => statusReader.read() });
      await api.register(drainRoutes, { drain });
    },
    status: () => statusReader.read(),
    setUrl(u) {
      url = u;
    },
  };
}
