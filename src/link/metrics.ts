import { Counter, Gauge, type Registry as PromRegistry } from 'prom-client';
import type { LinkNode } from './link-node.js';
import type { RemoteOcrCounts } from './remote-ocr.js';

const STATES = ['up', 'suspect', 'down'] as const;

/** The link's metrics, read from its counters and sessions at scrape time. */
export function registerLinkMetrics(prom: PromRegistry, link: LinkNode, ocrPages?: RemoteOcrCounts): void {
  const perPeer = (name: string, help: string, read: () => Map<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: ['peer'],
      registers: [prom],
      collect() {
        this.reset();
        for (const [peer, n] of read()) this.inc({ peer }, n);
      },
    });
  new Gauge({
    name: 'paperd_link_peer_state',
    help: 'Each link peer as this node sees it: 1 for its current state (up, suspect, down), 0 for the others',
    labelNames: ['peer', 'state'],
    registers: [prom],
    collect() {
      this.reset();
      for (const s of link.sessions.values()) for (const state of STATES) this.set({ peer: s.name, state }, s.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'paperd_link_outbox',
    help: 'Reliable messages waiting for a peer to acknowledge them (sent or waiting for it to come back)',
    labelNames: ['peer'],
    registers: [prom],
    collect() {
      this.reset();
      for (const s of link.sessions.values()) this.set({ peer: s.name }, s.depth().outbox);
    },
  });
  new Gauge({
    name: 'paperd_link_asks_pending',
    help: 'Asks sent to a peer and not answered yet',
    labelNames: ['peer'],
    registers: [prom],
    collect() {
      this.reset();
      for (const s of link.sessions.values()) this.set({ peer: s.name }, s.depth().asks);
    },
  });
  new Counter({
    name: 'paperd_link_dropped_total',
    help: 'Arriving link messages dropped, by reason (frames, oversized, version, envelope, sender, recipient, type, body, expired)',
    labelNames: ['peer', 'reason'],
    registers: [prom],
    collect() {
      this.reset();
      for (const [peer, reason, n] of link.stats.drops()) this.inc({ peer, reason }, n);
    },
  });
  new Counter({
    name: 'paperd_link_peer_transitions_total',
    help: 'Times a link peer changed state, by the state it went to',
    labelNames: ['peer', 'to'],
    registers: [prom],
    collect() {
      this.reset();
      for (const [key, n] of link.stats.transitions) {
        const [peer, to] = key.split('\u0000') as [string, string];
        this.inc({ peer, to }, n);
      }
    },
  });
  perPeer('paperd_link_sent_total', 'Reliable link messages handed to ZeroMQ, retransmissions included', () => link.stats.sent);
  perPeer('paperd_link_received_total', 'Valid link messages received', () => link.stats.received);
  perPeer('paperd_link_retransmits_total', 'Reliable link messages sent again for want of an ack', () => link.stats.retransmits);
  perPeer('paperd_link_duplicates_total', 'Link messages received again and not delivered again', () => link.stats.duplicates);
  perPeer('paperd_link_backpressure_total', "Sends refused because a peer's outbox was full", () => link.stats.backpressure);
  perPeer('paperd_link_unsent_total', 'Sends ZeroMQ could not queue at once (no connection, high-water mark); reliable ones are sent again', () => link.stats.unsent);
  new Counter({
    name: 'paperd_link_refused_total',
    help: 'Connections refused: zap (a key not in link.peers) or handshake (garbage, a failed CURVE handshake)',
    labelNames: ['why'],
    registers: [prom],
    collect() {
      this.reset();
      this.inc({ why: 'zap' }, link.stats.zapDenied);
      this.inc({ why: 'handshake' }, link.stats.handshakeFailed);
    },
  });
  if (ocrPages) {
    new Counter({
      name: 'paperd_link_ocr_pages_total',
      help: 'Scanned pages read for this node: by link.ocrNode (remote), or here (local), and those of them that came back from it (fell-back)',
      labelNames: ['where'],
      registers: [prom],
      collect() {
        this.reset();
        this.inc({ where: 'remote' }, ocrPages.remote);
        this.inc({ where: 'local' }, ocrPages.local);
        this.inc({ where: 'fell-back' }, ocrPages.fellBack);
      },
    });
  }
}
