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
  /** The vector scaled to length 1 (or all zeros), so a dot product is its cosine. */
  readonly unit: Float32Array;
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
 * about a millisecond. Taking them into the index (`optimize`) costs 20 s and more of CPU at that
 * size, so it cannot run after every upsert.
 *
 * The set is only usable while it is `complete`, that is while it holds every row the index has
 * not taken in: not when the table had such rows before this process opened it, nor after the set
 * outgrew `maxRows` and let go of its rows, until an index run that started later has finished.
 */
export class RecentRows {
  private readonly rows = new Map<string, RecentRow>();
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
    private readonly maxRows: number,
    /** The table has no row its index has not taken in (or no rows at all). */
    startsComplete: boolean,
  ) {
    if (!startsComplete) this.missingUpTo = 0;
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
      this.rows.delete(row.id);
      this.rows.set(row.id, { unit: unitVector(row.vector), embedder: row.embedder, seq: this.seq });
    }
    if (this.rows.size > this.maxRows) {
      // Past the bound a scan here would cost what it saves: LanceDB scans them again until the index catches up.
      this.rows.clear();
      this.removals++;
      this.missingUpTo = this.seq;
    }
  }

  /** Rows deleted from the table. */
  deleted(ids: readonly string[]): void {
    this.changes++;
    this.removals++;
    for (const id of ids) this.rows.delete(id);
  }

  /** Rows deleted from the table by id prefix. */
  deletedByPrefix(prefixes: readonly string[]): void {
    this.changes++;
    this.removals++;
    for (const id of this.rows.keys()) if (prefixes.some((p) => id.startsWith(p))) this.rows.delete(id);
  }

  /** An index run that started at `mark` has taken in every row written up to it. */
  indexedUpTo(mark: number): void {
    for (const [id, row] of this.rows) if (row.seq <= mark) this.rows.delete(id);
    if (this.missingUpTo !== undefined && this.missingUpTo <= mark) this.missingUpTo = undefined;
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
    for (const [id, row] of this.rows) {
      if (row.seq <= afterSeq || (embedder !== undefined && row.embedder !== embedder)) continue;
      const distance = 1 - dotProduct(row.unit, query);
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

/** Four running sums: V8 does not vectorize the loop, and one sum waits on each add (20,000 rows of 384 dims: 13 rather than 17 ms). */
function dotProduct(a: Float32Array, b: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < a.length; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < a.length; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}

function unitVector(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  const out = new Float32Array(vector.length);
  if (norm === 0) return out;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale;
  return out;
}
