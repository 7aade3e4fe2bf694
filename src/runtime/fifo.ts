/**
 * A first-in first-out queue with O(1) push and shift: an array that compacts itself once half of
 * it has been consumed, so a long-lived mailbox does not leak or re-copy on every shift.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The oldest item, without removing it. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** The queued items, oldest first, without removing them. */
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }

  /** Removes and returns every queued item, oldest first. */
  drain(): T[] {
    const all = this.toArray();
    this.items = [];
    this.head = 0;
    return all;
  }
}
