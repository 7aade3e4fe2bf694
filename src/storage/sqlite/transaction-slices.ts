/**
 * Sizes the slices of a large write so that each slice's transaction takes about `budgetMs`: the
 * next slice gets as many items as the budget holds at the time per item of the slices before
 * it, an average that follows the store as it grows and the machine as it gets busier.
 */
export class TransactionSlices {
  private msPerItem: number;

  constructor(
    private readonly budgetMs: number,
    /** Items in the first slice, before any was timed. */
    firstSize: number,
  ) {
    this.msPerItem = budgetMs / firstSize;
  }

  /** Items in the next slice, at least one and at most `remaining`. */
  next(remaining: number): number {
    return Math.max(1, Math.min(remaining, Math.floor(this.budgetMs / this.msPerItem)));
  }

  /** Runs one slice's `write` of `items` items and learns from its time. */
  timed<T>(items: number, write: () => T): T {
    const started = performance.now();
    const result = write();
    if (items > 0) this.msPerItem = 0.7 * this.msPerItem + 0.3 * (Math.max(0.01, performance.now() - started) / items);
    return result;
  }
}
