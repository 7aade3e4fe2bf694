import { unitVector, VectorSlab } from './vector-slab.js';

/** A row of `RecentRows`, as a search finds it. */
export interface RecentHit {
  readonly id: string;
  readonly embedder: string;
  /** Cosine distance, as LanceDB gives it: 0 for the same direction. */
  readonly distance: number;
}

/**
 * What one scan found and what it saw, so that writes made since can be taken in without scanning
 * every row again (see `RecentRows.rescan`).
 */
export interface RecentScan {
  readonly hits: RecentHit[];
  readonly version: number;
  /** The last write the scan saw. */
  readonly seq: number;
  readonly removals: number;
}

interface RecentRow {
  /** Where its vector, scaled to length 1, is in the slab. */
  slot: number;
  readonly embedder: string;
  /** The write that put it here (see `RecentRows.mark`). */
  readonly seq: number;
}

/**
 * The rows the table's one writer has put into a vector table since its index last took new rows
 * in, kept in memory and searched exactly here, so that LanceDB searches only its indexed rows.
 *
 * LanceDB scans every row its index has not taken in on each search, and with one small fragment
 * per upsert that costs far more than the rows: at a million rows, 6,000 unindexed rows in 66
 * fragments added about 35 ms to every search (bench/search), while a scan of them here takes
 * about a millisecond. Taking them into the index (`optimize`) rewrites the whole index, seconds
 * of CPU at that size, so it cannot run after every upsert.
 *
 * The set is only usable while it is `complete`, that is while it holds every row the index has
 * not taken in: not when the table had such rows before this process opened it, nor after the set
 * outgrew `maxRows` and let go of its rows, until an index run that started later has finished.
 */
export class RecentRows {
  private readonly rows = new Map<string, RecentRow>();
  private readonly slab: VectorSlab;
  private seq = 0;
  /**
   * Counts writes and deletes, so that a reader can tell whether a scan is still current. Not
   * rows let go once indexed: a search begun before the index run still needs them, and its scan has them.
   */
  private changes = 0;
  /** Rows written up to this write may be missing here; undefined when none are. */
  private missingUpTo: number | undefined;
  /** Counts deletes and overflows: what a scan cannot be brought up to date from. */
  private removals = 0;

  constructor(
    readonly maxRows: number,
    /** The table has no row its index has not taken in (or no rows at all). */
    startsComplete: boolean,
    options: { wasm?: boolean } = {},
  ) {
    if (!startsComplete) this.missingUpTo = 0;
    this.slab = new VectorSlab(options);
  }

  /** Whether scans run in WebAssembly SIMD (see `VectorSlab`). */
  get simd(): boolean {
    return this.slab.simd;
  }

  /** Every row the index has not taken in is here: searches may skip LanceDB's unindexed rows. */
  get complete(): boolean {
    return this.missingUpTo === undefined;
  }

  /** Changes with every write and delete (see `changes`). */
  get version(): number {
    return this.changes;
  }

  get size(): number {
    return this.rows.size;
  }

  /** Whether this id's newest row is here (any indexed row of it in LanceDB is then stale). */
  has(id: string): boolean {
    return this.rows.has(id);
  }

  /**
   * The last write seen: an index run that starts after this call takes in every row written up
   * to it, which `indexedUpTo` then lets go of.
   */
  mark(): number {
    return this.seq;
  }

  /** Rows now committed to the table (by upsert: a newer row of an id replaces the older). */
  added(rows: readonly { id: string; vector: Float32Array; embedder: string }[]): void {
    this.seq++;
    this.changes++;
    for (const row of rows) {
      this.remove(row.id);
      this.rows.set(row.id, { slot: this.slab.put(row.vector), embedder: row.embedder, seq: this.seq });
    }
    if (this.rows.size > this.maxRows) {
      // Past the bound a scan here would cost what it saves: LanceDB scans them again until the index catches up.
      this.rows.clear();
      this.slab.clear();
      this.removals++;
      this.missingUpTo = this.seq;
    }
  }

  /** Rows deleted from the table. */
  deleted(ids: readonly string[]): void {
    this.changes++;
    this.removals++;
    for (const id of ids) this.remove(id);
    this.packIfSparse();
  }

  /** Rows deleted from the table by id prefix. */
  deletedByPrefix(prefixes: readonly string[]): void {
    this.changes++;
    this.removals++;
    for (const id of this.rows.keys()) if (prefixes.some((p) => id.startsWith(p))) this.remove(id);
    this.packIfSparse();
  }

  /** An index run that started at `mark` has taken in every row written up to it. */
  indexedUpTo(mark: number): void {
    for (const [id, row] of this.rows) if (row.seq <= mark) this.remove(id);
    if (this.missingUpTo !== undefined && this.missingUpTo <= mark) this.missingUpTo = undefined;
    this.packIfSparse();
  }

  private remove(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    this.slab.release(row.slot);
    this.rows.delete(id);
  }

  /** A scan reads free slots too: once they are most of the slab, the rows move down to fill them. */
  private packIfSparse(): void {
    if (this.slab.freeSlots <= this.rows.size) return;
    const live = [...this.rows.values()].sort((a, b) => a.slot - b.slot);
    live.forEach((row, to) => {
      this.slab.moveSlot(row.slot, to);
      row.slot = to;
    });
    this.slab.packTo(live.length);
  }

  /** The `k` rows nearest to `vector` by cosine distance, nearest first, of one embedder if given. */
  nearest(vector: Float32Array, k: number, embedder?: string): RecentHit[] {
    return this.scan(vector, k, embedder).hits;
  }

  /** `nearest`, with what the scan saw, for `rescan`. */
  scan(vector: Float32Array, k: number, embedder?: string): RecentScan {
    const hits = this.rows.size === 0 || k <= 0 ? [] : this.bestOf(unitVector(vector), k, embedder, 0, []);
    return { hits, version: this.changes, seq: this.seq, removals: this.removals };
  }

  /**
   * `scan` as of now, from an earlier one of the same query. Rows written since are scanned and
   * merged in; the whole set is scanned again only when a row was deleted since, or one the scan
   * found was rewritten. During an import writes land every few milliseconds, and a search that
   * scanned all 20,000 rows again after LanceDB answered paid twice for the set.
   */
  rescan(earlier: RecentScan, vector: Float32Array, k: number, embedder?: string): RecentScan {
    if (earlier.version === this.changes) return earlier;
    const rewritten = earlier.hits.some((h) => (this.rows.get(h.id)?.seq ?? 0) > earlier.seq);
    if (this.removals !== earlier.removals || rewritten) return this.scan(vector, k, embedder);
    const hits = k <= 0 ? [] : this.bestOf(unitVector(vector), k, embedder, earlier.seq, [...earlier.hits]);
    return { hits, version: this.changes, seq: this.seq, removals: this.removals };
  }

  /** Merges the rows written after `afterSeq` into `best` (sorted, at most `k`). */
  private bestOf(query: Float32Array, k: number, embedder: string | undefined, afterSeq: number, best: RecentHit[]): RecentHit[] {
    // Every row: one pass over the slab. Rows written since an earlier scan: one by one.
    const scores = afterSeq === 0 ? this.slab.scores(query) : undefined;
    for (const [id, row] of this.rows) {
      if (row.seq <= afterSeq || (embedder !== undefined && row.embedder !== embedder)) continue;
      const distance = 1 - (scores ? scores[row.slot]! : this.slab.dot(row.slot, query));
      if (best.length === k && distance >= best[k - 1]!.distance) continue;
      // Insertion into a short sorted list: k is at most a few hundred.
      let at = best.length === k ? k - 1 : best.length;
      while (at > 0 && best[at - 1]!.distance > distance) {
        best[at] = best[at - 1]!;
        at--;
      }
      best[at] = { id, embedder: row.embedder, distance };
    }
    return best;
  }
}
