/** A step's synchronous work, by default: a few of them back to back still leave a search well under 100 ms. */
export const DEFAULT_TARGET_STEP_MS = 20;

/**
 * Sizes a stage's batches so that the synchronous part of a step stays near `targetMs`. A step
 * runs on the node's one event loop between the API's requests: a batch of 500 papers whose FTS5
 * writes take half a second at a million papers holds every search that arrives meanwhile for as
 * long. Smaller transactions cost a little throughput (one commit each); a search waiting behind
 * one costs a user. The size follows the cost per item measured in the last steps, within
 * [min, max], moving by at most a factor of two a step so one odd batch does not swing it.
 */
export class TimeBoundedBatch {
  private size: number;
  private msPerItem: number | undefined;

  constructor(
    private readonly targetMs: number,
    private readonly max: number,
    private readonly min = 1,
  ) {
    this.size = Math.max(min, Math.min(max, 16));
  }

  /** How many items the next step should take. */
  next(): number {
    return this.size;
  }

  /** What the last step took: `items` in `ms` of synchronous work. */
  record(items: number, ms: number): void {
    if (items <= 0) return;
    const perItem = ms / items;
    // An exponential average of the last few steps' cost per item.
    this.msPerItem = this.msPerItem === undefined ? perItem : this.msPerItem * 0.7 + perItem * 0.3;
    const ideal = this.msPerItem > 0 ? this.targetMs / this.msPerItem : this.max;
    this.size = Math.round(Math.max(this.min, Math.min(this.max, this.size * 2, Math.max(this.size / 2, ideal))));
  }
}
