import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { LinkAskTimeoutError, LinkBackpressureError, LinkMessageTooLargeError, LinkPeerDownError, LinkRemoteError } from '../errors.js';
import type { LinkEnvelope, LinkReply } from '../protocols/link.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { DedupWindow } from './dedup-window.js';
import { checkBody, encodeFrames, type OutFrame } from './frame-codec.js';
import { bump, type LinkStats } from './link-stats.js';

/** A peer as this node sees it: heard from lately (up), quiet for a while (suspect), silent (down). */
export type PeerState = 'up' | 'suspect' | 'down';

/**
 * Where a message leaves: `out` over this node's DEALER to the peer's ROUTER (what this node
 * originates), `back` over this node's ROUTER to the peer's DEALER (acks and replies to what came
 * in that way). Each returns false when the message could not be queued now (no connection, or
 * the high-water mark): it is then kept and sent again, never silently lost.
 */
export interface PeerWire {
  out(frames: OutFrame[]): boolean;
  back(frames: OutFrame[]): boolean;
}

export interface PeerTimings {
  readonly heartbeatMs: number;
  readonly suspectAfterMs: number;
  readonly downAfterMs: number;
  readonly retransmitMs: number;
  readonly maxOutbox: number;
  readonly dedupWindowMs: number;
  /** The largest message the peer takes (its link.maxMessageBytes, the same on every node); absent: no check here. */
  readonly maxMessageBytes?: number;
}

export interface PeerSessionOptions {
  readonly self: string;
  readonly peer: string;
  /** This run of this node; a new one after every restart. */
  readonly boot: string;
  readonly clock: Clock;
  readonly timings: PeerTimings;
  readonly stats: LinkStats;
  readonly wire: PeerWire;
  readonly log: Logger;
  /** An application message for one of this node's exported actors; resolves with the reply for an ask. */
  readonly deliver: (envelope: LinkEnvelope, body: unknown) => Promise<LinkReply> | void;
  readonly onState?: (peer: string, from: PeerState, to: PeerState) => void;
  /** The peer announced a new run (it restarted): whatever it held in memory for this node is gone. */
  readonly onRestart?: (peer: string) => void;
}

type Path = 'out' | 'back';

interface OutboxEntry {
  readonly msgId: string;
  readonly frames: OutFrame[];
  readonly path: Path;
  readonly type: string;
  sentAt: number;
  attempts: number;
}

interface PendingAsk {
  readonly target: string;
  readonly type: string;
  readonly check: TypeCheck<TSchema> | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timeoutMs: number;
  readonly deadline: number;
}

/**
 * One peer's side of the link: at-least-once delivery (every reliable message waits in the outbox
 * until acked, and is sent again after `retransmitMs`), duplicates dropped by msgId on arrival,
 * asks with deadlines matched to their replies, and liveness from what is heard (heartbeats or
 * anything else). Sockets are behind `PeerWire` and time behind `Clock`, so tests drive it.
 */
export class PeerSession {
  state: PeerState = 'down';
  /** The boot id the peer last announced; a new one means it restarted. */
  peerBoot: string | undefined;
  lastHeard: number | undefined;
  private readonly outbox = new Map<string, OutboxEntry>();
  private readonly asks = new Map<string, PendingAsk>();
  private readonly dedup: DedupWindow;
  private readonly acks: Record<Path, string[]> = { out: [], back: [] };
  private ackFlushQueued = false;
  /** Asks received and not yet acked: their reply will ack them, unless it is slow to come. */
  private readonly askAcks = new Map<string, Path>();
  private askAckTimer: TimerHandle | undefined;
  /** One timer for every ask's deadline, set for the earliest (a timer per ask cost more than the ask). */
  private sweepTimer: TimerHandle | undefined;
  private sweepAt = Infinity;
  private seq = 0;
  private closed = false;

  constructor(private readonly o: PeerSessionOptions) {
    this.dedup = new DedupWindow(o.timings.dedupWindowMs);
  }

  get name(): string {
    return this.o.peer;
  }

  /** Reliable messages not yet acknowledged, and asks not yet answered: what is queued or in flight there. */
  depth(): { outbox: number; asks: number } {
    return { outbox: this.outbox.size, asks: this.asks.size };
  }

  /** Sends `body` to `target` (an exported actor of the peer) without waiting for an answer. @throws LinkBackpressureError */
  tell(target: string, body: { type: string }): void {
    this.admit();
    this.sendReliable(this.envelope(target, body.type), body, 'out', true);
  }

  /**
   * Asks `target` on the peer and resolves with its reply, checked against `replySchema`. Rejects at
   * once when the peer is down (the caller fails over), on the deadline with LinkAskTimeoutError,
   * and when the peer goes down before answering.
   */
  ask(target: string, body: { type: string }, timeoutMs: number, replySchema?: TypeCheck<TSchema>): Promise<unknown> {
    if (this.closed || this.state === 'down') {
      return Promise.reject(new LinkPeerDownError(this.o.peer, body.type, this.closed ? 'the link is stopped' : this.downReason()));
    }
    try {
      this.admit();
    } catch (error) {
      return Promise.reject(error);
    }
    const deadline = this.o.clock.now() + timeoutMs;
    const envelope = { ...this.envelope(target, body.type), deadline, ask: true };
    const entry = this.entry(envelope, body, 'out');
    if (entry instanceof Error) return Promise.reject(entry);
    return new Promise((resolve, reject) => {
      this.asks.set(envelope.msgId, { target, type: body.type, check: replySchema, resolve, reject, timeoutMs, deadline });
      this.armSweep(deadline);
      this.queue(entry);
    });
  }

  private armSweep(deadline: number): void {
    if (deadline >= this.sweepAt) return;
    if (this.sweepTimer) this.o.clock.clearTimeout(this.sweepTimer);
    this.sweepAt = deadline;
    this.sweepTimer = this.o.clock.setTimeout(() => this.sweep(), Math.max(0, deadline - this.o.clock.now()));
  }

  /** Fails the asks past their deadline and sets the timer for the next one. */
  private sweep(): void {
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
    const now = this.o.clock.now();
    let next = Infinity;
    for (const [id, a] of this.asks) {
      if (a.deadline > now) {
        if (a.deadline < next) next = a.deadline;
        continue;
      }
      this.asks.delete(id);
      this.outbox.delete(id);
      a.reject(new LinkAskTimeoutError(this.o.peer, a.target, a.type, a.timeoutMs));
    }
    if (next !== Infinity) this.armSweep(next);
  }

  /** One valid message from the peer (the frame codec has checked it), arrived on `via`. */
  receive(envelope: LinkEnvelope, body: unknown, via: 'router' | 'dealer'): void {
    const now = this.o.clock.now();
    this.heard(now);
    bump(this.o.stats.received, this.o.peer);
    switch (envelope.type) {
      case 'link.heartbeat':
      case 'link.hello':
        this.noteBoot((body as { boot: string }).boot);
        return;
      case 'link.ack':
        for (const id of (body as { ids: string[] }).ids) this.outbox.delete(id);
        return;
    }
    // Everything else is reliable: acked on the connection it came by, delivered once. An ask's
    // reply acks it when it comes soon; only a slow one gets an ack of its own.
    if (envelope.ask) this.queueAskAck(envelope.msgId, via === 'router' ? 'back' : 'out');
    else this.queueAck(envelope.msgId, via === 'router' ? 'back' : 'out');
    if (!this.dedup.first(envelope.msgId, now)) {
      bump(this.o.stats.duplicates, this.o.peer);
      return;
    }
    if (envelope.type === 'link.reply') return this.settle(envelope, body as LinkReply);
    if (envelope.deadline !== undefined && envelope.deadline <= now) {
      this.o.stats.drop('expired', this.o.peer);
      return;
    }
    const answer = this.o.deliver(envelope, body);
    if (envelope.ask && answer) {
      void answer.then((reply) => this.reply(envelope, reply), (error: unknown) => this.reply(envelope, { ok: false, error: { code: (error as { code?: string }).code ?? 'PAPERD_INTERNAL', message: (error as Error).message ?? String(error) } }));
    }
  }

  /** Heartbeat, liveness and retransmission; the peer's actor calls it every `heartbeatMs`. */
  tick(): void {
    if (this.closed) return;
    const now = this.o.clock.now();
    this.o.wire.out(encodeFrames(this.envelope(this.o.peer, 'link.heartbeat'), { boot: this.o.boot }));
    this.updateState(now);
    if (this.state !== 'down') this.retransmit(now, false);
    this.dedup.prune(now);
  }

  /** Announces this run to the peer (on start and whenever it comes back). */
  hello(): void {
    this.o.wire.out(encodeFrames(this.envelope(this.o.peer, 'link.hello'), { boot: this.o.boot }));
  }

  /** Fails every pending ask: the link is stopping (or this peer's actor restarts and re-opens it). */
  close(reason: string): void {
    this.closed = true;
    this.failAsks((a) => new LinkPeerDownError(this.o.peer, a.type, reason));
  }

  /** Opens the session again after `close` (a restart of the peer's actor); the outbox is kept. */
  reopen(): void {
    this.closed = false;
  }

  snapshot() {
    const now = this.o.clock.now();
    return {
      peer: this.o.peer,
      state: this.state,
      lastHeardMsAgo: this.lastHeard === undefined ? null : now - this.lastHeard,
      peerBoot: this.peerBoot ?? null,
      outbox: this.outbox.size,
      asks: this.asks.size,
    };
  }

  private get wire(): PeerWire {
    return this.o.wire;
  }

  private envelope(to: string, type: string): LinkEnvelope {
    return { v: 1, msgId: `${this.o.boot}.${(this.seq++).toString(36)}`, from: this.o.self, to, type, sentAt: this.o.clock.now() };
  }

  private admit(): void {
    if (this.outbox.size >= this.o.timings.maxOutbox) {
      bump(this.o.stats.backpressure, this.o.peer);
      throw new LinkBackpressureError(this.o.peer, this.outbox.size);
    }
  }

  private sendReliable(envelope: LinkEnvelope, body: unknown, path: Path, orThrow = false): void {
    const entry = this.entry(envelope, body, path);
    if (entry instanceof Error) {
      if (orThrow) throw entry;
      return;
    }
    this.queue(entry);
  }

  /**
   * The outbox entry of a message, or the error that keeps it from being sent: one over the
   * peer's size limit would be dropped there and, sent again and again, close the connection each time.
   */
  private entry(envelope: LinkEnvelope, body: unknown, path: Path): OutboxEntry | LinkMessageTooLargeError {
    const frames = encodeFrames(envelope, body);
    const max = this.o.timings.maxMessageBytes;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: most messages are clearly small enough uncounted.
    if (max !== undefined && 1 + 3 * (frames[1].length + frames[2].length) > max) {
      const bytes = frames[0].length + Buffer.byteLength(frames[1]) + Buffer.byteLength(frames[2]);
      if (bytes > max) return new LinkMessageTooLargeError(this.o.peer, envelope.type, bytes, max);
    }
    return { msgId: envelope.msgId, frames, path, type: envelope.type, sentAt: this.o.clock.now(), attempts: 0 };
  }

  private queue(entry: OutboxEntry): void {
    this.outbox.set(entry.msgId, entry);
    // While the peer is down the message waits; it goes when the peer is heard again.
    if (this.state !== 'down') this.transmit(entry);
  }

  private transmit(entry: OutboxEntry): void {
    entry.attempts++;
    entry.sentAt = this.o.clock.now();
    if (entry.attempts > 1) bump(this.o.stats.retransmits, this.o.peer);
    const queued = entry.path === 'out' ? this.wire.out(entry.frames) : this.wire.back(entry.frames);
    if (queued) bump(this.o.stats.sent, this.o.peer);
    else bump(this.o.stats.unsent, this.o.peer);
  }

  private reply(ask: LinkEnvelope, reply: LinkReply): void {
    if (this.closed) return;
    this.askAcks.delete(ask.msgId);
    const envelope: LinkEnvelope = { ...this.envelope(ask.from, 'link.reply'), corrId: ask.msgId };
    const entry = this.entry(envelope, reply, 'back');
    // Too large to send: the asker gets that as the error, rather than wait for its deadline.
    if (entry instanceof Error) this.sendReliable(envelope, { ok: false, error: { code: entry.code, message: entry.message } } satisfies LinkReply, 'back');
    else this.queue(entry);
  }

  private settle(envelope: LinkEnvelope, reply: LinkReply): void {
    const id = envelope.corrId;
    const pending = id === undefined ? undefined : this.asks.get(id);
    if (!pending || id === undefined) return;
    this.asks.delete(id);
    this.outbox.delete(id);
    if (!reply.ok) return pending.reject(new LinkRemoteError(this.o.peer, pending.target, reply.error.code, reply.error.message));
    if (pending.check) {
      const verdict = checkBody(pending.check, reply.value, `reply to ${pending.type}`);
      if (!verdict.ok) {
        this.o.stats.drop('body', this.o.peer);
        return pending.reject(new LinkRemoteError(this.o.peer, pending.target, 'PAPERD_LINK_BAD_REPLY', verdict.detail));
      }
    }
    pending.resolve(reply.value);
  }

  private queueAck(msgId: string, path: Path): void {
    this.acks[path].push(msgId);
    if (this.ackFlushQueued) return;
    this.ackFlushQueued = true;
    // Acks of one burst go as one message.
    setImmediate(() => this.flushAcks());
  }

  private queueAskAck(msgId: string, path: Path): void {
    this.askAcks.set(msgId, path);
    this.askAckTimer ??= this.o.clock.setTimeout(() => {
      this.askAckTimer = undefined;
      for (const [id, p] of this.askAcks) this.acks[p].push(id);
      this.askAcks.clear();
      this.flushAcks();
    }, Math.max(1, Math.floor(this.o.timings.retransmitMs / 4)));
  }

  /** Sends the acks collected so far. @internal exposed for tests */
  flushAcks(): void {
    this.ackFlushQueued = false;
    for (const path of ['out', 'back'] as const) {
      while (this.acks[path].length > 0) {
        const ids = this.acks[path].splice(0, 10_000);
        const frames = encodeFrames(this.envelope(this.o.peer, 'link.ack'), { ids });
        if (path === 'out') this.wire.out(frames);
        else this.wire.back(frames);
      }
    }
  }

  private heard(now: number): void {
    this.lastHeard = now;
    if (this.state !== 'up') this.updateState(now);
  }

  private noteBoot(boot: string): void {
    if (this.peerBoot === boot) return;
    const restarted = this.peerBoot !== undefined;
    this.peerBoot = boot;
    if (restarted) {
      this.o.log.warn({ node: this.o.peer, boot }, 'link peer restarted: resending what it had not acknowledged');
      // The new run has seen none of it: send everything again now rather than at the next retransmission.
      this.retransmit(this.o.clock.now(), true);
      this.o.onRestart?.(this.o.peer);
    }
  }

  private updateState(now: number): void {
    const silence = this.lastHeard === undefined ? Infinity : now - this.lastHeard;
    const next: PeerState = silence < this.o.timings.suspectAfterMs ? 'up' : silence < this.o.timings.downAfterMs ? 'suspect' : 'down';
    if (next === this.state) return;
    const from = this.state;
    this.state = next;
    bump(this.o.stats.transitions, `${this.o.peer}\u0000${next}`);
    const fields = { node: this.o.peer, from, to: next, silenceMs: Number.isFinite(silence) ? silence : null };
    if (next === 'up') this.o.log.info(fields, 'link peer up');
    else this.o.log.warn(fields, `link peer ${next}`);
    if (next === 'down') {
      // Asks fail over now; tells keep waiting in the outbox for the peer to come back.
      this.failAsks((a) => new LinkPeerDownError(this.o.peer, a.type, `silent for ${silence} ms`));
    }
    if (from === 'down' && next === 'up') {
      this.hello();
      this.retransmit(now, true);
    }
    this.o.onState?.(this.o.peer, from, next);
  }

  private retransmit(now: number, all: boolean): void {
    for (const entry of this.outbox.values()) {
      if (all || now - entry.sentAt >= this.o.timings.retransmitMs) this.transmit(entry);
    }
  }

  private failAsks(error: (ask: PendingAsk) => Error): void {
    if (this.sweepTimer) this.o.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    this.sweepAt = Infinity;
    for (const [id, ask] of this.asks) {
      this.outbox.delete(id);
      ask.reject(error(ask));
    }
    this.asks.clear();
  }

  private downReason(): string {
    return this.lastHeard === undefined ? 'never heard from' : `silent for ${this.o.clock.now() - this.lastHeard} ms`;
  }
}
