import * as zmq from 'zeromq';
import { spawnNode, tempDataDir, type NodeProcess } from './node-process.js';
import { freePort } from './free-port.js';

export { freePort };

export type LabRole = 'main' | 'gpu' | 'mac';

/** One node of a test lab: its name, keys, link address and data dir (kept across restarts). */
export interface LabNode {
  readonly name: LabRole;
  readonly keys: { publicKey: string; secretKey: string };
  readonly port: number;
  readonly dataDir: string;
}

/** Fast liveness for tests: a peer is suspect after 0.6 s of silence and down after 1.2 s. */
export const LAB_TIMINGS = { PAPERD_LINK_HEARTBEAT_MS: '200', PAPERD_LINK_SUSPECT_AFTER_MS: '600', PAPERD_LINK_DOWN_AFTER_MS: '1200', PAPERD_LINK_RETRANSMIT_MS: '400' };

/**
 * Three nodes on loopback, each with its own key pair and link port; `env` gives the variables
 * that make a real `paperd up --node <role>` process one of them. Nothing leaves 127.0.0.1.
 * @internal for tests
 */
export class LinkLab {
  readonly nodes: Record<LabRole, LabNode>;
  readonly processes = new Set<NodeProcess>();

  private constructor(nodes: Record<LabRole, LabNode>) {
    this.nodes = nodes;
  }

  static async create(): Promise<LinkLab> {
    const make = async (name: LabRole): Promise<LabNode> => ({ name, keys: zmq.curveKeyPair(), port: await freePort(), dataDir: tempDataDir() });
    return new LinkLab({ main: await make('main'), gpu: await make('gpu'), mac: await make('mac') });
  }

  /** Where each node's link listens when not on loopback (a test host in a network namespace). */
  readonly hosts: Partial<Record<LabRole, string>> = {};

  address(role: LabRole): string {
    return `tcp://${this.hosts[role] ?? '127.0.0.1'}:${this.nodes[role].port}`;
  }

  /** The environment of `role`: its keys and bind, its peers (with the public keys it trusts), its LLM endpoints. */
  env(role: LabRole, options: { peers: LabRole[]; endpoints?: unknown[]; trust?: Partial<Record<LabRole, string>>; extra?: Record<string, string> }): Record<string, string> {
    const self = this.nodes[role];
    const peers = options.peers.map((p) => ({ name: p, address: this.address(p), publicKey: options.trust?.[p] ?? this.nodes[p].keys.publicKey }));
    return {
      ...LAB_TIMINGS,
      PAPERD_LINK_BIND: this.address(role),
      PAPERD_LINK_PUBLIC_KEY: self.keys.publicKey,
      PAPERD_LINK_SECRET_KEY: self.keys.secretKey,
      PAPERD_LINK_PEERS: JSON.stringify(peers),
      PAPERD_LLM_ENDPOINTS: JSON.stringify(options.endpoints ?? []),
      PAPERD_LLM_PROBE_INTERVAL_MS: '300',
      PAPERD_LLM_PROBE_TIMEOUT_MS: '1000',
      PAPERD_LLM_COOLDOWN_BASE_MS: '300',
      PAPERD_LLM_COOLDOWN_MAX_MS: '1000',
      PAPERD_ENRICHMENT_ENABLED: 'false',
      ...options.extra,
    };
  }

  /** Starts `paperd up --node role` as a real OS process on its data dir. */
  start(role: LabRole, env: Record<string, string>): NodeProcess {
    const proc = spawnNode({ dataDir: this.nodes[role].dataDir, env, args: ['--node', role] });
    this.processes.add(proc);
    void proc.exited.then(() => this.processes.delete(proc));
    return proc;
  }

  /** Stops every node still running (SIGKILL after 10 s). */
  async close(): Promise<void> {
    await Promise.all([...this.processes].map(async (p) => {
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
      await p.exited;
      clearTimeout(timer);
    }));
  }
}

/** The `nodes` section of a node's GET /v1/actors. */
export interface NodesSection {
  nodes?: { name: string; self: boolean; state: string; lastHeardMsAgo: number | null; tree: { path: string; children: unknown[] }[] | null; error: string | null }[];
}

export async function nodesOf(url: string): Promise<NonNullable<NodesSection['nodes']>> {
  const body = (await (await fetch(`${url}/v1/actors`)).json()) as NodesSection;
  return body.nodes ?? [];
}

/** The value of a Prometheus sample line of `metrics` (0 when absent). */
export function metric(metrics: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.indexOf('}'));
    if (want.every((w) => inside.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** Every path in a tree. */
export function paths(tree: readonly { path: string; children: unknown[] }[]): string[] {
  return tree.flatMap((n) => [n.path, ...paths(n.children as { path: string; children: unknown[] }[])]);
}
