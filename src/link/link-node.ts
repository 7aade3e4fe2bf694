import { randomBytes } from 'node:crypto';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import * as zmq from 'zeromq';
import { LinkConfigError } from '../errors.js';
import type { LinkEnvelope, LinkProtocol, LinkReply } from '../protocols/link.js';
import type { Message, Replies } from '../protocols/message.js';
import type { Clock } from '../runtime/clock.js';
import { ask, tell, type ActorRef } from '../supervisors/index.js';
import type { LinkConfig, LinkPeerConfig } from './config.js';
import { batchFrames, checkBody, decodeMessages, isControlType, type Decoded, type OutFrame } from './frame-codec.js';
import { bump, LinkStats } from './link-stats.js';
import type { NodeKeys } from './node-keys.js';
import { PeerSession, type PeerState } from './peer-session.js';
import { RemoteRef } from './remote-ref.js';
import { ZAP_DOMAIN, ZapHandler } from './zap-handler.js';

/** Link messages carried by one ZeroMQ message at most. */
const MAX_BATCH = 256;

/** What is queued for one peer one way in this turn of the event loop. */
interface Batch {
  readonly path: 'out' | 'back';
  readonly peer: string;
  readonly envelopes: string[];
  readonly bodies: string[];
  bytes: number;
}

export interface LinkNodeOptions {
  readonly self: string;
  readonly keys: NodeKeys;
  readonly config: LinkConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly onState?: (peer: string, from: PeerState, to: PeerState) => void;
  readonly onRestart?: (peer: string) => void;
}

interface Exported {
  readonly ref: ActorRef<any, any>;
  readonly check: TypeCheck<TSchema>;
  readonly askable: ReadonlySet<string>;
}

/**
 * One node's end of the link: a ROUTER bound for its peers, a DEALER to each peer (routing id =
 * this node's name), CURVE on both with a ZAP allow-list of the peers' keys, and a PeerSession
 * per peer for delivery and liveness. Actors it exports are reachable from the peers as
 * `node/actor`; `remote` gives typed refs to theirs. The link's actors open and close the sockets.
 */
export class LinkNode {
  readonly stats = new LinkStats();
  readonly boot = randomBytes(8).toString('hex');
  readonly sessions = new Map<string, PeerSession>();
  private readonly context = new zmq.Context();
  private readonly peers: Map<string, LinkPeerConfig>;
  private readonly exported = new Map<string, Exported>();
  private readonly replyChecks = new Map<LinkProtocol<any, any>, Map<string, TypeCheck<TSchema>>>();
  private zap: ZapHandler | undefined;
  private router: zmq.Router | undefined;
  private routerLoop: Promise<void> | undefined;
  private readonly dealers = new Map<string, { socket: zmq.Dealer; loop: Promise<void> }>();
  /** Envelope and body frames queued this turn of the event loop, per path and peer; sent together. */
  private readonly batches = new Map<string, Batch>();
  private flushQueued = false;

  constructor(private readonly o: LinkNodeOptions) {
    this.peers = new Map(o.config.peers.map((p) => [p.name, p]));
    if (this.peers.has(o.self)) throw new LinkConfigError(`link.peers lists this node itself (${o.self})`);
    for (const peer of this.peers.values()) {
      this.sessions.set(peer.name, new PeerSession({
        self: o.self, peer: peer.name, boot: this.boot, clock: o.clock, timings: o.config, stats: this.stats, log: o.log,
        wire: { out: (frames) => this.sendOut(peer.name, frames), back: (frames) => this.sendBack(peer.name, frames) },
        deliver: (envelope, body) => this.deliver(peer.name, envelope, body),
        ...(o.onState ? { onState: o.onState } : {}),
        ...(o.onRestart ? { onRestart: o.onRestart } : {}),
      }));
    }
  }

  get name(): string {
    return this.o.self;
  }

  get clock(): Clock {
    return this.o.clock;
  }

  /** Makes `ref` reachable from the peers as `<this node>/<name>`, taking the messages of `protocol`. */
  export<M extends Message, R extends Replies>(name: string, protocol: LinkProtocol<M, R>, ref: ActorRef<M, R>): void {
    this.exported.set(name, { ref, check: TypeCompiler.Compile(protocol.messages), askable: new Set(Object.keys(protocol.replies)) });
  }

  /** A typed ref to actor `name` on `peer`, which speaks `protocol`. */
  remote<M extends Message, R extends Replies>(peer: string, name: string, protocol: LinkProtocol<M, R>): RemoteRef<M, R> {
    const session = this.sessions.get(peer);
    if (!session) throw new LinkConfigError(`no link peer named ${peer}: link.peers lists ${[...this.peers.keys()].join(', ') || 'none'}`);
    let checks = this.replyChecks.get(protocol);
    if (!checks) {
      checks = new Map(Object.entries(protocol.replies).map(([type, schema]) => [type, TypeCompiler.Compile(schema as TSchema)]));
      this.replyChecks.set(protocol, checks);
    }
    return new RemoteRef<M, R>(session, `${peer}/${name}`, checks);
  }

  /** What both kinds of socket share: the queues' high-water marks, the largest message, ZMTP heartbeats. */
  private socketLimits() {
    const c = this.o.config;
    return {
      sendHighWaterMark: c.sendHighWaterMark,
      receiveHighWaterMark: c.receiveHighWaterMark,
      maxMessageSize: c.maxMessageBytes,
      heartbeatInterval: c.heartbeatMs,
      heartbeatTimeout: c.downAfterMs,
      heartbeatTimeToLive: c.downAfterMs,
    };
  }

  /** Binds the ROUTER (after the ZAP handler, so no handshake goes unchecked). */
  async listen(): Promise<string> {
    const allowed = new Set([...this.peers.values()].map((p) => p.publicKey));
    this.zap = new ZapHandler(this.context, () => allowed, () => this.stats.zapDenied++, this.o.log);
    await this.zap.start();
    const c = this.o.config;
    const router = new zmq.Router({
      context: this.context,
      routingId: this.o.self,
      mandatory: true,
      sendTimeout: 0,
      linger: 0,
      curveServer: true,
      curvePublicKey: this.o.keys.publicKey,
      curveSecretKey: this.o.keys.secretKey,
      zapDomain: ZAP_DOMAIN,
      ...this.socketLimits(),
      // A peer that comes back with the same name takes its place at once.
      handover: true,
      // A connection that has not finished its CURVE handshake by then (garbage, a stalled stranger) is closed.
      handshakeInterval: Math.max(1_000, c.downAfterMs),
    });
    router.events.on('handshake:error:auth', () => this.stats.handshakeFailed++);
    router.events.on('handshake:error:protocol', () => this.stats.handshakeFailed++);
    router.events.on('handshake:error:other', () => this.stats.handshakeFailed++);
    try {
      await router.bind(c.bind);
    } catch (error) {
      router.close();
      await this.zap.close();
      throw new LinkConfigError(`link.bind ${c.bind} cannot be bound: ${(error as Error).message}`, { cause: error });
    }
    this.router = router;
    this.routerLoop = this.readRouter(router);
    return router.lastEndpoint ?? c.bind;
  }

  async closeListener(): Promise<void> {
    this.router?.close();
    await this.routerLoop;
    this.router = undefined;
    await this.zap?.close();
    this.zap = undefined;
  }

  /** Connects the DEALER to `peer` (reconnecting by itself from then on) and says hello. */
  connect(peer: string): void {
    const p = this.peers.get(peer);
    if (!p) throw new LinkConfigError(`no link peer named ${peer}`);
    if (this.dealers.has(peer)) return;
    const socket = new zmq.Dealer({
      context: this.context,
      routingId: this.o.self,
      // Only queue to a connection that is up; otherwise a send fails and the outbox keeps the message.
      immediate: true,
      sendTimeout: 0,
      linger: 0,
      curveServerKey: p.publicKey,
      curvePublicKey: this.o.keys.publicKey,
      curveSecretKey: this.o.keys.secretKey,
      ...this.socketLimits(),
      reconnectInterval: 100,
      reconnectMaxInterval: 2_000,
    });
    socket.connect(p.address);
    this.dealers.set(peer, { socket, loop: this.readDealer(peer, socket) });
    this.sessions.get(peer)!.reopen();
    this.sessions.get(peer)!.hello();
  }

  async disconnect(peer: string, reason: string): Promise<void> {
    const d = this.dealers.get(peer);
    this.sessions.get(peer)?.close(reason);
    if (!d) return;
    this.dealers.delete(peer);
    d.socket.close();
    await d.loop;
  }

  /** Closes everything; pending asks fail. */
  async close(): Promise<void> {
    for (const peer of [...this.dealers.keys()]) await this.disconnect(peer, 'the link is stopping');
    await this.closeListener();
  }

  private sendOut(peer: string, frames: OutFrame[]): boolean {
    if (!this.dealers.has(peer)) return false;
    return this.enqueue('out', peer, frames);
  }

  private sendBack(peer: string, frames: OutFrame[]): boolean {
    if (!this.router) return false;
    return this.enqueue('back', peer, frames);
  }

  /**
   * Queues one message (its version frame is dropped: each batch has one) to go with the others
   * sent to the same peer the same way in this turn of the event loop: pipelined traffic costs
   * ZeroMQ one message per batch rather than one per link message.
   */
  private enqueue(path: 'out' | 'back', peer: string, frames: OutFrame[]): boolean {
    const key = `${path}\u0000${peer}`;
    const size = frames[1]!.length + frames[2]!.length;
    let batch = this.batches.get(key);
    // A large message (a page image) goes in a batch of its own rather than push one past the limit.
    if (batch && batch.envelopes.length > 0 && batch.bytes + size > this.o.config.maxMessageBytes / 2) {
      this.flushBatch(key, batch);
      batch = undefined;
    }
    if (!batch) this.batches.set(key, (batch = { path, peer, envelopes: [], bodies: [], bytes: 0 }));
    batch.envelopes.push(String(frames[1]));
    batch.bodies.push(String(frames[2]));
    batch.bytes += size;
    if (batch.bytes > this.o.config.maxMessageBytes / 2 || batch.envelopes.length >= MAX_BATCH) this.flushBatch(key, batch);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  private flush(): void {
    this.flushQueued = false;
    for (const [key, batch] of this.batches) this.flushBatch(key, batch);
  }

  private flushBatch(key: string, batch: Batch): void {
    this.batches.delete(key);
    if (batch.envelopes.length === 0) return;
    const frames = batchFrames(batch.envelopes, batch.bodies);
    if (batch.path === 'out') {
      const d = this.dealers.get(batch.peer);
      if (d) this.trySend(d.socket, frames, batch.peer);
      else bump(this.stats.unsent, batch.peer);
    } else if (this.router) {
      this.trySend(this.router, [batch.peer, ...frames], batch.peer);
    } else {
      bump(this.stats.unsent, batch.peer);
    }
  }

  /**
   * Queues without waiting (sendTimeout 0): a reliable message libzmq cannot take now (no
   * connection, a full high-water mark, EHOSTUNREACH) is still in the session's outbox and goes
   * again at the next retransmission; a heartbeat or ack is simply sent again later.
   */
  private trySend(socket: zmq.Dealer | zmq.Router, frames: OutFrame[], peer: string): boolean {
    if (socket.closed) return false;
    // Queued at once or refused at once (sendTimeout 0), as a rejected promise or (EBUSY) a throw.
    try {
      socket.send(frames).catch(() => bump(this.stats.unsent, peer));
      return true;
    } catch {
      bump(this.stats.unsent, peer);
      return false;
    }
  }

  private async readRouter(router: zmq.Router): Promise<void> {
    try {
      for await (const [identity, ...frames] of router) {
        const from = identity!.toString('utf8');
        const session = this.sessions.get(from);
        if (!session) {
          this.stats.drop('sender', from);
          continue;
        }
        this.arrived(session, decodeMessages(frames, { routingId: from, self: this.o.self, maxBytes: this.o.config.maxMessageBytes }), 'router');
      }
    } catch (error) {
      if (!router.closed) this.o.log.error({ err: error }, 'link router stopped reading');
    }
  }

  private async readDealer(peer: string, socket: zmq.Dealer): Promise<void> {
    const session = this.sessions.get(peer)!;
    try {
      for await (const frames of socket) {
        this.arrived(session, decodeMessages(frames, { routingId: peer, self: this.o.self, maxBytes: this.o.config.maxMessageBytes }), 'dealer');
      }
    } catch (error) {
      if (!socket.closed) this.o.log.error({ err: error, node: peer }, 'link dealer stopped reading');
    }
  }

  private arrived(session: PeerSession, messages: Decoded[], via: 'router' | 'dealer'): void {
    for (const m of messages) {
      if (m.ok) session.receive(m.envelope, m.body, via);
      else this.dropped(session.name, m.reason, m.detail);
    }
  }

  private dropped(peer: string, reason: Parameters<LinkStats['drop']>[0], detail: string): void {
    this.stats.drop(reason, peer);
    this.o.log.warn({ node: peer, reason, detail }, 'link dropped a message');
  }

  /** An application message from `peer`: checked against the exported actor's protocol, then told or asked. */
  private deliver(peer: string, envelope: LinkEnvelope, body: unknown): Promise<LinkReply> | void {
    const fail = (code: string, message: string): Promise<LinkReply> | void => (envelope.ask ? Promise.resolve({ ok: false, error: { code, message } }) : undefined);
    if (isControlType(envelope.type)) return;
    const name = envelope.to.slice(this.o.self.length + 1);
    const target = this.exported.get(name);
    if (!target) {
      this.dropped(peer, 'recipient', `no actor ${envelope.to} is exported`);
      return fail('PAPERD_LINK_NO_ACTOR', `no actor ${envelope.to} is exported on ${this.o.self}`);
    }
    const verdict = checkBody(target.check, body, `${envelope.type} for ${envelope.to}`);
    if (!verdict.ok || (body as { type?: unknown }).type !== envelope.type) {
      const detail = verdict.ok ? `body type differs from envelope type ${envelope.type}` : verdict.detail;
      this.dropped(peer, 'body', detail);
      return fail('PAPERD_LINK_BAD_MESSAGE', detail);
    }
    if (!envelope.ask) {
      tell(target.ref, body as Message);
      return;
    }
    if (!target.askable.has(envelope.type)) {
      this.dropped(peer, 'type', `${envelope.type} cannot be asked of ${envelope.to}`);
      return fail('PAPERD_LINK_NOT_ASKABLE', `${envelope.type} cannot be asked of ${envelope.to}`);
    }
    const left = Math.max(1, (envelope.deadline ?? this.o.clock.now() + 60_000) - this.o.clock.now());
    return ask(target.ref, body as Message & { type: string }, left).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error: { code: (error as { code?: string }).code ?? 'PAPERD_INTERNAL', message: (error as Error).message ?? String(error) } }),
    );
  }
}
