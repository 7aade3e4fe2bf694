/**
 * The message ids delivered lately, so a retransmitted message is acknowledged again but not
 * delivered twice. Ids leave after `windowMs` (longer than any sender keeps retransmitting) or
 * past `maxIds`, oldest first.
 */
export class DedupWindow {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number, private readonly maxIds = 1_000_000) {}

  /** True the first time `id` is offered within the window. */
  first(id: string, now: number): boolean {
    if (this.seen.has(id)) return false;
    this.seen.set(id, now + this.windowMs);
    if (this.seen.size > this.maxIds) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }

  /** Forgets ids past their time; insertion order is time order, so it stops at the first live one. */
  prune(now: number): void {
    for (const [id, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(id);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
