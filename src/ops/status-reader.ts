import type { Database } from 'better-sqlite3';
import { statfsSync, statSync } from 'node:fs';
import { directoryBytes } from '../metrics/store-size-metrics.js';
import type { Registry } from '../supervisors/index.js';
import { announcementLagMs } from './alerts/rules.js';
import type { Alert } from './alerts/types.js';
import type { GpuStatus } from './gpu/telemetry.js';
import type { LinkNodeView } from './node-ops.js';
import { actorHealth, summaryOf, type NodeStatus, type PeerStatus } from './status.js';

export interface NodeStatusSources {
  readonly node: string;
  readonly version: string;
  readonly startedAt: number;
  readonly now: () => number;
  readonly url: () => string | null;
  readonly isReady: () => boolean;
  readonly draining: () => boolean;
  readonly registry: Registry;
  readonly db: Database;
  readonly dataDir: string;
  readonly sqlite: string;
  readonly lancedb: string;
  /** Whether this node holds the store of papers (main, single). */
  readonly holdsPapers: boolean;
  readonly pipeline?: () => { depth: number; paused: boolean };
  readonly alerts: () => readonly Alert[];
  readonly llm?: () => { name: string; state: string; reason?: string | null }[];
  readonly gpu?: () => GpuStatus;
  readonly lastAnnouncementMs?: () => number | undefined;
  readonly offline?: () => { readonly paused: boolean; readonly load: { readonly level: string } };
  readonly nodes?: () => Promise<readonly LinkNodeView[]>;
}

const fileBytes = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

/** Reads one node's health (and its peers', over the link) into a `NodeStatus`. */
export class NodeStatusReader {
  private readonly jobCounts;

  constructor(private readonly s: NodeStatusSources) {
    this.jobCounts = s.holdsPapers ? s.db.prepare('SELECT state, sum(n) AS n FROM job_counts WHERE n > 0 GROUP BY state') : undefined;
  }

  async read(): Promise<NodeStatus> {
    const s = this.s;
    const now = s.now();
    const last = s.lastAnnouncementMs?.();
    const g = s.gpu?.();
    const disk = statfsSync(s.dataDir);
    return {
      node: s.node,
      version: s.version,
      pid: process.pid,
      url: s.url(),
      uptimeSeconds: Math.round((now - s.startedAt) / 1000),
      ready: s.isReady() && !s.draining(),
      draining: s.draining(),
      actors: actorHealth(s.registry.tree()),
      pipeline: s.pipeline?.() ?? null,
      jobs: this.jobCounts ? Object.fromEntries((this.jobCounts.all() as { state: string; n: number }[]).map((r) => [r.state, r.n])) : null,
      alerts: s.alerts().map((a) => ({ rule: a.rule, subject: a.subject, severity: a.severity, message: a.message, firingSince: a.firingSince })),
      llm: (s.llm?.() ?? []).map((e) => ({ name: e.name, state: e.state, reason: e.reason ?? null })),
      gpu: g ? { state: g.state, reason: g.reason, hot: g.hot, hotReason: g.hotReason, gpus: g.gpus.map((x) => ({ index: x.index, name: x.name, temperatureC: x.temperatureC, utilizationPct: x.utilizationPct })) } : null,
      arxiv: s.lastAnnouncementMs ? { lastAnnouncement: last === undefined ? null : new Date(last).toISOString(), lagSeconds: last === undefined ? null : Math.round(announcementLagMs(last, now) / 1000) } : null,
      storage: s.holdsPapers
        ? {
            sqliteBytes: fileBytes(s.sqlite) + fileBytes(`${s.sqlite}-wal`),
            lancedbBytes: directoryBytes(s.lancedb),
            diskFreeBytes: disk.bavail * disk.bsize,
            diskTotalBytes: disk.blocks * disk.bsize,
          }
        : null,
      offline: s.offline ? (({ paused, load }) => ({ paused, load: load.level }))(s.offline()) : null,
      peers: s.nodes ? await this.peers(s.nodes) : [],
    };
  }

  private async peers(nodes: () => Promise<readonly LinkNodeView[]>): Promise<PeerStatus[]> {
    const views = await nodes().catch((error: unknown) => [{ name: '?', self: false, state: 'unknown', lastHeardMsAgo: null, tree: null, error: (error as Error).message }] as LinkNodeView[]);
    return views
      .filter((v) => !v.self)
      .map((v) => ({
        name: v.name,
        state: v.state,
        lastHeardMsAgo: v.lastHeardMsAgo,
        actors: v.tree ? actorHealth(v.tree) : null,
        gpu: v.tree ? summaryOf(v.tree, 'gpu-telemetry') : null,
        error: v.error,
      }));
  }
}
