/**
 * What the alert rules read, each through a small provider function. A node wires the providers
 * whose sources it runs; a rule whose provider is absent finds nothing. Providers are called once
 * per evaluation, off the hot path.
 */
export interface AlertSignals {
  /** Every polling source (arXiv, Hugging Face, GitHub) and how its polls go. */
  readonly sources?: () => SourceHealth[];
  /** The last arXiv announcement ingested completely; undefined when none yet or arXiv is not polled. */
  readonly lastAnnouncementMs?: () => number | undefined;
  /** Restarts, give-ups and escalations recorded since `since` (epoch ms). */
  readonly supervision?: (since: number) => SupervisionEvents;
  /** The journal: jobs waiting or leased, and jobs finished so far. */
  readonly journal?: () => { readonly depth: number; readonly done: number };
  /** Each configured LLM endpoint's state. */
  readonly llmEndpoints?: () => { readonly name: string; readonly state: 'up' | 'cooling' | 'down'; readonly reason?: string | null }[];
  /** The file system the data dir is on. */
  readonly disk?: () => { readonly path: string; readonly freeBytes: number; readonly totalBytes: number };
  /** GPU readings of this node and of peers that run GPU telemetry; an empty list when there are none. */
  readonly gpus?: () => readonly GpuSignal[] | Promise<readonly GpuSignal[]>;
  /** The link's peer nodes (src/link): `up` while heartbeats arrive. */
  readonly peers?: () => PeerHealth[];
}

export interface SourceHealth {
  /** The actor's name (`arxiv-poller`). */
  readonly name: string;
  readonly consecutiveFailures: number;
  readonly lastError?: string | null;
  /** Epoch ms of the last poll started; undefined before the first. */
  readonly lastPollAt?: number;
  /** When the source says it polls next (arXiv follows the announcement schedule). */
  readonly nextPollAt?: number;
  /** For sources on a fixed interval: the interval. */
  readonly everyMs?: number;
  /** When the source started (silence is measured from here before its first poll). */
  readonly startedAt: number;
}

export interface SupervisionEvents {
  readonly restarts: number;
  /** Supervisors that gave up (and escalated), newest first. */
  readonly gaveUp: readonly { readonly supervisor: string; readonly actor: string; readonly at: number; readonly error: string }[];
}

export interface PeerHealth {
  readonly name: string;
  readonly state: 'up' | 'down';
  /** Epoch ms of the last message or heartbeat from it. */
  readonly lastSeenAt?: number;
  readonly reason?: string;
}

export interface GpuSignal {
  /** The node the GPU is on; absent for this node's own. */
  readonly node?: string;
  readonly index: number;
  readonly name: string;
  readonly temperatureC: number | null;
}
