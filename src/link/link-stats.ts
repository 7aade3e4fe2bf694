import type { DropReason } from './frame-codec.js';

/** Counters of one node's link, read by the metrics at scrape time (the hot path only adds). */
export class LinkStats {
  readonly dropped = new Map<string, number>();
  readonly sent = new Map<string, number>();
  readonly received = new Map<string, number>();
  readonly retransmits = new Map<string, number>();
  readonly duplicates = new Map<string, number>();
  /** Senders refused because a peer's outbox was full. */
  readonly backpressure = new Map<string, number>();
  /** Sends libzmq could not queue at once (no connection yet, high-water mark): kept and sent again if reliable. */
  readonly unsent = new Map<string, number>();
  readonly transitions = new Map<string, number>();
  /** Connections refused by ZAP (a key not in the allow-list). */
  zapDenied = 0;
  /** Connections whose ZMTP/CURVE handshake failed (garbage, a wrong server key, a stranger). */
  handshakeFailed = 0;

  drop(reason: DropReason, peer = 'unknown'): void {
    bump(this.dropped, `${peer}\u0000${reason}`);
  }

  /** `[peer, reason, count]` rows of the drop counter. */
  drops(): [string, string, number][] {
    return [...this.dropped].map(([key, n]) => [...(key.split('\u0000') as [string, string]), n]);
  }

  totalDropped(reason?: DropReason): number {
    let n = 0;
    for (const [, r, c] of this.drops()) if (!reason || r === reason) n += c;
    return n;
  }
}

export function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}
