import type { LinkListenerMessage, LinkPeerMessage } from '../protocols/link.js';
import { tell, type Behavior } from '../supervisors/index.js';
import type { TimerHandle } from '../runtime/clock.js';
import type { LinkNode } from './link-node.js';

/**
 * Holds the link's ROUTER and ZAP handler: bound when it starts, closed when it stops, so a crash
 * re-binds them. Its summary is the link's inbound view: where it listens, what it dropped.
 */
export function linkListenerBehavior(link: LinkNode): Behavior<LinkListenerMessage, { endpoint: string }> {
  return {
    async init() {
      return { endpoint: await link.listen() };
    },
    receive: (state) => state,
    async terminate() {
      await link.closeListener();
    },
    summary: (state) => ({
      listening: state.endpoint,
      dropped: link.stats.totalDropped(),
      zapDenied: link.stats.zapDenied,
      handshakeFailed: link.stats.handshakeFailed,
    }),
  };
}

interface PeerActorState {
  timer: TimerHandle | undefined;
}

/**
 * One peer node: its DEALER (connected when the actor starts, closed when it stops) and the
 * session's heartbeat, liveness and retransmission, driven by a timer message to itself. The
 * session's outbox outlives a restart of this actor, so nothing waiting for the peer is lost.
 */
export function linkPeerBehavior(link: LinkNode, peer: string, everyMs: number): Behavior<LinkPeerMessage, PeerActorState> {
  const session = link.sessions.get(peer)!;
  return {
    init(ctx) {
      link.connect(peer);
      return { timer: ctx.clock.setTimeout(() => tell(ctx.self, { type: 'tick' }), everyMs) };
    },
    receive(state, msg, ctx) {
      session.tick();
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'tick' }), everyMs);
      return state;
    },
    async terminate(state) {
      if (state.timer) link.clock.clearTimeout(state.timer);
      await link.disconnect(peer, 'its link actor stopped');
    },
    summary: () => session.snapshot(),
  };
}
