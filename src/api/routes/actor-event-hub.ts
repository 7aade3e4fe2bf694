import type { Database, Statement } from 'better-sqlite3';
import { systemClock, type Clock, type TimerHandle } from '../../runtime/clock.js';
import type { ActorNode, InspectionEvent, Registry, RestartRecord } from '../../supervisors/index.js';

/** How the live actor stream behaves. */
export interface ActorEventOptions {
  /** Clients served at once; one more is refused (503). */
  readonly maxClients: number;
  /** A `heartbeat` event this often, so a page can tell a quiet stream from a dead one. */
  readonly heartbeatMs: number;
  /** The tree is re-read this often for counters that change without a lifecycle event (depth, in flight). */
  readonly treeEveryMs: number;
  /** A client whose unsent output grows past this is dropped rather than buffered without bound. */
  readonly maxBufferedBytes: number;
}

export const defaultActorEventOptions: ActorEventOptions = { maxClients: 32, heartbeatMs: 15_000, treeEveryMs: 2_000, maxBufferedBytes: 1 << 20 };

/** A restart log record with its row id, so a client can tell new records from ones it has. */
export type RestartEntry = RestartRecord & { readonly id: number };

/** What a client receives: a name and a JSON body, as one server-sent event. */
export type ActorStreamEvent =
  | { readonly event: 'snapshot'; readonly data: { node: string; at: number; tree: ActorNode[]; restarts: RestartEntry[] } }
  | { readonly event: 'actor'; readonly data: InspectionEvent & { at: number } }
  | { readonly event: 'tree'; readonly data: { at: number; tree: ActorNode[] } }
  | { readonly event: 'restart'; readonly data: RestartEntry }
  | { readonly event: 'heartbeat'; readonly data: { at: number; clients: number } };

/** One connected client: `send` writes an event, `close` ends its stream. */
export interface ActorStreamClient {
  send(event: ActorStreamEvent): void;
  close(): void;
}

const RESTART_COLUMNS = `id, at, event, actor, supervisor, strategy, error_name AS errorName, error_message AS errorMessage,
  error_stack AS errorStack, attempt, delay_ms AS delayMs, restarted`;
type RestartRow = Omit<RestartEntry, 'restarted'> & { restarted: string };
const toEntry = (row: RestartRow): RestartEntry => ({ ...row, restarted: JSON.parse(row.restarted) as string[] });

/**
 * Fans the registry's inspection stream out to the page's clients: subscribed to the registry
 * only while someone listens, one timer for all clients, the tree re-sent only when it changed,
 * and the restart log followed by row id so every record reaches each client once.
 */
export class ActorEventHub {
  private readonly clients = new Set<ActorStreamClient>();
  private unsubscribe: (() => void) | undefined;
  private lastRestartId = 0;
  private lastTreeJson = '';
  private tickTimer: TimerHandle | undefined;
  private flushTimer: TimerHandle | undefined;
  private lastHeartbeat = 0;
  private readonly newRestarts: Statement<[number]>;
  private readonly latestRestarts: Statement<[number, number]>;
  private readonly maxRestartId: Statement<[]>;

  constructor(
    private readonly registry: Registry,
    db: Database,
    private readonly node: string,
    private readonly options: ActorEventOptions = defaultActorEventOptions,
    private readonly clock: Clock = systemClock(),
  ) {
    this.newRestarts = db.prepare(`SELECT ${RESTART_COLUMNS} FROM restart_log WHERE id > ? ORDER BY id LIMIT 500`);
    this.latestRestarts = db.prepare(`SELECT ${RESTART_COLUMNS} FROM restart_log WHERE id <= ? ORDER BY id DESC LIMIT ?`);
    this.maxRestartId = db.prepare('SELECT coalesce(max(id), 0) AS id FROM restart_log');
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * Adds a client and sends it the snapshot (the tree, the last restarts). Answers the function
   * that removes it, or undefined when the hub is full.
   */
  add(client: ActorStreamClient): (() => void) | undefined {
    if (this.clients.size >= this.options.maxClients) return undefined;
    if (this.clients.size === 0) this.start();
    this.clients.add(client);
    const tree = this.registry.tree();
    const restarts = (this.latestRestarts.all(this.lastRestartId, 50) as RestartRow[]).map(toEntry);
    client.send({ event: 'snapshot', data: { node: this.node, at: this.clock.now(), tree, restarts } });
    return () => this.remove(client);
  }

  /** Ends every client's stream (the server is closing). */
  closeAll(): void {
    for (const client of [...this.clients]) {
      this.remove(client);
      client.close();
    }
  }

  private remove(client: ActorStreamClient): void {
    if (!this.clients.delete(client) || this.clients.size > 0) return;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const timer of [this.tickTimer, this.flushTimer]) if (timer) this.clock.clearTimeout(timer);
    this.tickTimer = this.flushTimer = undefined;
  }

  private start(): void {
    this.lastRestartId = (this.maxRestartId.get() as { id: number }).id;
    this.lastTreeJson = JSON.stringify(this.registry.tree());
    this.lastHeartbeat = this.clock.now();
    this.unsubscribe = this.registry.inspect((event) => {
      this.broadcast({ event: 'actor', data: event });
      // Events come in bursts (a restart stops and starts several actors): one tree for the burst.
      this.flushTimer ??= this.clock.setTimeout(() => {
        this.flushTimer = undefined;
        this.flush();
      }, 50);
    });
    this.scheduleTick();
  }

  private scheduleTick(): void {
    this.tickTimer = this.clock.setTimeout(() => {
      this.flush();
      if (this.clock.now() - this.lastHeartbeat >= this.options.heartbeatMs) {
        this.lastHeartbeat = this.clock.now();
        this.broadcast({ event: 'heartbeat', data: { at: this.lastHeartbeat, clients: this.clients.size } });
      }
      if (this.clients.size > 0) this.scheduleTick();
    }, Math.min(this.options.treeEveryMs, this.options.heartbeatMs));
  }

  /** Sends the restart records written since the last look, then the tree if it changed. */
  private flush(): void {
    if (this.clients.size === 0) return;
    for (const row of this.newRestarts.all(this.lastRestartId) as RestartRow[]) {
      this.lastRestartId = row.id;
      this.broadcast({ event: 'restart', data: toEntry(row) });
    }
    const tree = this.registry.tree();
    const json = JSON.stringify(tree);
    if (json === this.lastTreeJson) return;
    this.lastTreeJson = json;
    this.broadcast({ event: 'tree', data: { at: this.clock.now(), tree } });
  }

  private broadcast(event: ActorStreamEvent): void {
    for (const client of [...this.clients]) {
      try {
        client.send(event);
      } catch {
        // A client whose socket broke is dropped; the others go on.
        this.remove(client);
        client.close();
      }
    }
  }
}
