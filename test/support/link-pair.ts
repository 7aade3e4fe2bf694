import { decodeFrames, type OutFrame } from '../../src/link/frame-codec.js';
import { LinkStats } from '../../src/link/link-stats.js';
import { PeerSession, type PeerTimings } from '../../src/link/peer-session.js';
import type { LinkEnvelope, LinkReply } from '../../src/protocols/link.js';
import { ManualClock } from '../../src/runtime/manual-clock.js';
import { silentLogger } from '../../src/runtime/logger.js';

export const testTimings: PeerTimings = { heartbeatMs: 100, suspectAfterMs: 300, downAfterMs: 600, retransmitMs: 200, maxOutbox: 1_000, dedupWindowMs: 60_000 };

type Frames = OutFrame[];

/** One side of a session pair: its session, stats, and what its exported actor received. */
export interface Side {
  readonly session: PeerSession;
  readonly stats: LinkStats;
  readonly delivered: { envelope: LinkEnvelope; body: unknown }[];
  /** How the side answers asks; the default echoes the body back. */
  answer: (body: unknown) => Promise<LinkReply>;
  boot: string;
}

/**
 * Two PeerSessions, `a` and `b`, joined by an in-memory wire that goes through the real frame
 * codec. The wire can drop or duplicate what passes, and `cut` silences it both ways, so delivery
 * and liveness are driven message by message on a manual clock.
 * @internal for tests
 */
export class SessionPair {
  readonly clock = new ManualClock(1_000_000);
  readonly a: Side;
  readonly b: Side;
  cut = false;
  /** Return true to drop a message in flight (from, type). */
  drop: (from: string, type: string) => boolean = () => false;
  duplicate = false;
  private readonly queue: { to: 'a' | 'b'; frames: Frames; via: 'router' | 'dealer' }[] = [];

  constructor(timings: PeerTimings = testTimings) {
    this.a = this.side('a', 'b', timings);
    this.b = this.side('b', 'a', timings);
  }

  /** Restarts side `b` as a new run (a new boot id, empty dedup memory); the old one is gone. */
  restartB(timings: PeerTimings = testTimings): Side {
    (this as { b: Side }).b = this.side('b', 'a', timings, `boot-b-${Math.random().toString(36).slice(2, 8)}`);
    return this.b;
  }

  /** Delivers everything in flight (and whatever that causes), acks included. */
  async pump(rounds = 20): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      // Replies are sent when the answering actor's promise settles.
      await new Promise<void>((r) => setImmediate(r));
      this.a.session.flushAcks();
      this.b.session.flushAcks();
      if (this.queue.length === 0) return;
      for (const m of this.queue.splice(0)) {
        const target = m.to === 'a' ? this.a : this.b;
        const from = m.to === 'a' ? 'b' : 'a';
        const decoded = decodeFrames(m.frames.map((f) => (typeof f === 'string' ? Buffer.from(f) : f)), { routingId: from, self: m.to, maxBytes: 1 << 20 });
        if (!decoded.ok) throw new Error(`the codec refused a session's own frames: ${decoded.detail}`);
        target.session.receive(decoded.envelope, decoded.body, m.via);
      }
    }
  }

  /** Ticks both sides every heartbeat for `ms`, pumping between ticks. */
  async run(ms: number, step = testTimings.heartbeatMs): Promise<void> {
    for (let t = 0; t < ms; t += step) {
      this.clock.advance(step);
      this.a.session.tick();
      this.b.session.tick();
      await this.pump();
    }
  }

  private side(self: 'a' | 'b', peer: 'a' | 'b', timings: PeerTimings, boot = `boot-${self}`): Side {
    const stats = new LinkStats();
    const delivered: Side['delivered'] = [];
    const side: Side = {
      stats,
      delivered,
      boot,
      answer: async (body) => ({ ok: true, value: body }),
      session: undefined as unknown as PeerSession,
    };
    const send = (frames: Frames, via: 'router' | 'dealer') => {
      if (this.cut) return true;
      const env = JSON.parse(String(frames[1])) as LinkEnvelope;
      if (this.drop(self, env.type)) return true;
      this.queue.push({ to: peer, frames, via });
      if (this.duplicate && env.type !== 'link.ack') this.queue.push({ to: peer, frames, via });
      return true;
    };
    (side as { session: PeerSession }).session = new PeerSession({
      self, peer, boot, clock: this.clock, timings, stats, log: silentLogger(),
      // What `out` sends arrives at the peer's ROUTER; what `back` sends, at its DEALER.
      wire: { out: (f) => send(f, 'router'), back: (f) => send(f, 'dealer') },
      deliver: (envelope, body) => {
        delivered.push({ envelope, body });
        return envelope.ask ? side.answer(body) : undefined;
      },
    });
    return side;
  }
}
