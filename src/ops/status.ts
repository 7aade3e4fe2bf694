import type { ActorNode } from '../supervisors/index.js';
import type { Alert } from './alerts/types.js';
import type { GpuStatus } from './gpu/telemetry.js';

/** One node's health on one screen: what `GET /v1/status` answers and `paperd status` prints. */
export interface NodeStatus {
  readonly node: string;
  readonly version: string;
  readonly pid: number;
  readonly url: string | null;
  readonly uptimeSeconds: number;
  readonly ready: boolean;
  readonly draining: boolean;
  readonly actors: ActorHealth;
  readonly pipeline: { readonly depth: number; readonly paused: boolean } | null;
  readonly jobs: Record<string, number> | null;
  readonly alerts: readonly Pick<Alert, 'rule' | 'subject' | 'severity' | 'message' | 'firingSince'>[];
  readonly llm: readonly { readonly name: string; readonly state: string; readonly reason: string | null }[];
  readonly gpu: Pick<GpuStatus, 'state' | 'reason' | 'hot' | 'hotReason'> & { readonly gpus: readonly { index: number; name: string; temperatureC: number | null; utilizationPct: number | null }[] } | null;
  readonly arxiv: { readonly lastAnnouncement: string | null; readonly lagSeconds: number | null } | null;
  readonly storage: { readonly sqliteBytes: number; readonly lancedbBytes: number; readonly diskFreeBytes: number; readonly diskTotalBytes: number } | null;
  readonly offline: { readonly paused: boolean; readonly load: string } | null;
  /** The other nodes as the link sees them (only on nodes with peers). */
  readonly peers: readonly PeerStatus[];
}

export interface ActorHealth {
  readonly total: number;
  readonly running: number;
  readonly restarts: number;
  /** Actors not running (failed, restarting, stopped), by path and status. */
  readonly notRunning: readonly { readonly path: string; readonly status: string; readonly lastError: string | null }[];
}

export interface PeerStatus {
  readonly name: string;
  readonly state: string;
  readonly lastHeardMsAgo: number | null;
  /** Its tree's health, when it answered over the link. */
  readonly actors: ActorHealth | null;
  /** Its GPU telemetry actor's summary, when it runs one. */
  readonly gpu: Record<string, unknown> | null;
  readonly error: string | null;
}

/** Walks a tree (as `/v1/actors` serves it) into counts and the actors not running. */
export function actorHealth(tree: readonly ActorNode[]): ActorHealth {
  let total = 0;
  let running = 0;
  let restarts = 0;
  const notRunning: { path: string; status: string; lastError: string | null }[] = [];
  const walk = (n: ActorNode) => {
    total++;
    restarts += n.restarts;
    if (n.status === 'running') running++;
    else notRunning.push({ path: n.path, status: n.status, lastError: n.lastError ? `${n.lastError.name}: ${n.lastError.message}` : null });
    n.children.forEach(walk);
  };
  tree.forEach(walk);
  return { total, running, restarts, notRunning };
}

/** The summary of the actor named `id` anywhere in `tree`. */
export function summaryOf(tree: readonly ActorNode[], id: string): Record<string, unknown> | null {
  for (const n of tree) {
    if (n.name === id) return n.summary;
    const found = summaryOf(n.children, id);
    if (found) return found;
  }
  return null;
}
