import type { Logger } from 'pino';
import type { GpuHeat } from '../../offline/gpu-lease.js';
import type { ActorNode } from '../../supervisors/index.js';
import { summaryOf } from '../status.js';
import type { GpuTelemetry } from './telemetry.js';

/** An LLM endpoint as the config names it: `remote` ones are served by a peer node over the link. */
export interface HeatEndpoint {
  readonly name: string;
  readonly kind?: string;
  readonly node?: string;
}

/** A node of the lab with its tree, as the link's `nodes()` shows it. */
export interface HeatNodeView {
  readonly name: string;
  readonly self: boolean;
  readonly tree: readonly ActorNode[] | null;
}

export interface GpuHeatOptions {
  /** This node's own telemetry, when it reads its GPUs. */
  readonly local: GpuTelemetry | undefined;
  /** The LLM endpoints: a GPU lease is named after one. */
  readonly endpoints: readonly HeatEndpoint[];
  /** The lab's nodes with their trees, where the node has peers: a peer's `gpu-telemetry` summary says whether it is hot. */
  readonly nodes?: () => Promise<readonly HeatNodeView[]>;
  /** Peers are asked at most this often (their telemetry reads on its own interval). */
  readonly everyMs: number;
  readonly now: () => number;
  readonly log: Logger;
}

/**
 * The scheduler's view of GPU heat, by GPU lease (named after an LLM endpoint): a `remote`
 * endpoint's GPU is its peer's, whose `gpu-telemetry` actor decides (with its own hysteresis) and
 * says so in its summary; any other endpoint is served from this machine, so this node's own
 * telemetry decides. No telemetry on either side: never hot, and nothing changes.
 *
 * The lease asks on every scheduler tick, so answers are synchronous: the peers' verdicts are
 * cached and refreshed in the background at most every `everyMs`. A peer that does not answer
 * keeps its last verdict (like a failed nvidia-smi read: it says nothing new about heat).
 */
export function gpuHeat(options: GpuHeatOptions): GpuHeat & { refresh(): Promise<void> } {
  const peerOf = new Map(options.endpoints.map((e) => [e.name, e.kind === 'remote' ? e.node : undefined]));
  const peers = new Map<string, string | undefined>();
  let askedAt = -Infinity;
  let asking: Promise<void> | undefined;

  const refresh = (): Promise<void> =>
    (asking ??= (async () => {
      askedAt = options.now();
      try {
        for (const n of await options.nodes!()) {
          if (n.self || !n.tree) continue;
          const s = summaryOf(n.tree, 'gpu-telemetry');
          if (!s) peers.set(n.name, undefined);
          else peers.set(n.name, s.hot === true ? (typeof s.hotReason === 'string' && s.hotReason ? s.hotReason : 'hot') : undefined);
        }
      } catch (error) {
        options.log.warn({ err: error }, 'peers\u2019 GPU heat could not be read');
      } finally {
        asking = undefined;
      }
    })());

  const heat = (lease: string): string | undefined => {
    const peer = peerOf.get(lease);
    if (peer === undefined) {
      if (!options.local?.gpuHot()) return undefined;
      return options.local.guard.reason();
    }
    if (!options.nodes) return undefined;
    if (options.now() - askedAt >= options.everyMs) void refresh();
    const reason = peers.get(peer);
    return reason === undefined ? undefined : `node ${peer}: ${reason}`;
  };
  return Object.assign(heat, { refresh });
}
