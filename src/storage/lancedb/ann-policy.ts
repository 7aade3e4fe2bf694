/**
 * When a vector table gets an approximate nearest-neighbour index, and how it is searched.
 *
 * Measured here (2 cores): LanceDB's exact (flat) search costs about 2–3 µs a row for 256-dim
 * vectors, 22 ms at 10,000 rows and 190 ms at 60,000 (3.8 s at a million), so a table past
 * `minRows` gets an IVF-RQ index. RQ codes pick candidates; the refine step re-ranks
 * `refineFactor × k` of them with the full vectors. At a million LSA vectors queried with short
 * texts (bench/search), 1-bit codes left recall@10 at 0.74–0.82 whatever the refine factor: the
 * codes ranked the true neighbours out of the candidates. 4-bit codes reach 0.937 at nprobes 20 and
 * 0.993 at nprobes 50 with a refine factor of 40, for about 60 s of build. The refine step's reads
 * are most of a search's cost, and a pool of 200 rows found the same top 10 as one of 400 (at 1.4M
 * rows, common words 0.978, rarer ones 0.99–1.0) in 39 rather than 47 ms; 80 rows fell to 0.878.
 */
export interface AnnPolicy {
  /** Below this many rows searches stay exact. */
  readonly minRows: number;
  /** Rows an IVF partition is trained to hold. */
  readonly rowsPerPartition: number;
  /**
   * Rows added since training go into the existing partitions (`optimize`); once the table has
   * grown by this factor since training, the partitions no longer fit it and the index is retrained.
   */
  readonly retrainGrowth: number;
  /**
   * Unindexed rows are searched exactly; past this many they are folded into the index. Folding
   * rewrites the whole index, whatever the rows (at 1.1M rows about 3.5 s of CPU in the upkeep
   * process, and 1.2 s to load the new index), and often the table's data too (see
   * `maxUnindexedWhileWriting`). The node scans its unindexed rows in memory (`RecentRows`: 1 ms at
   * 20,000 rows of 256 dimensions), so scanning more of them costs less than folding them in more often.
   */
  readonly maxUnindexed: number;
  /**
   * The bound while the table's writer is writing and searches its unindexed rows from memory
   * (`RecentRows`). Folding rewrites the table's data as well as its index: LanceDB's compaction
   * merges adjacent fragments under 1,048,576 rows that the same indexes cover, so the table's
   * largest fragment is rewritten with the rows the last fold took in. At a million rows a fold
   * rewrote a million rows, 35 s of CPU whatever the rows taken in, and searches beside it ran two
   * to three times slower. During an import rows are folded in once, after it, rather
   * than every `maxUnindexed` rows.
   */
  readonly maxUnindexedWhileWriting: number;
  /** Bits of each dimension's residual code. */
  readonly numBits: number;
  readonly nprobes: number;
  readonly refineFactor: number;
}

export const DEFAULT_ANN_POLICY: AnnPolicy = {
  minRows: 10_000,
  rowsPerPartition: 4_096,
  retrainGrowth: 2,
  maxUnindexed: 20_000,
  maxUnindexedWhileWriting: 70_000,
  numBits: 4,
  nprobes: 50,
  refineFactor: 20,
};

/** The table's vector index as `planIndex` sees it. */
export interface IndexState {
  /** Rows in the table when the index was trained (kept in the index's name). */
  readonly trainedOn: number;
  readonly unindexed: number;
}

export type IndexPlan =
  | { readonly action: 'none' }
  | { readonly action: 'build'; readonly partitions: number }
  | { readonly action: 'retrain'; readonly partitions: number }
  | { readonly action: 'update' };

/**
 * What maintenance should do to a table of `rows` rows whose index (if any) is `index`; `writing`
 * while its writer is writing and searches its unindexed rows from memory.
 */
export function planIndex(rows: number, index: IndexState | undefined, policy: AnnPolicy = DEFAULT_ANN_POLICY, writing = false): IndexPlan {
  const partitions = Math.max(1, Math.round(rows / policy.rowsPerPartition));
  if (!index) return rows >= policy.minRows ? { action: 'build', partitions } : { action: 'none' };
  if (rows >= index.trainedOn * policy.retrainGrowth) return { action: 'retrain', partitions };
  return index.unindexed > (writing ? policy.maxUnindexedWhileWriting : policy.maxUnindexed) ? { action: 'update' } : { action: 'none' };
}

const INDEX_NAME = /^vector_ivfrq_(\d+)$/;

/** The index name that records how many rows it was trained on. */
export function indexName(trainedOn: number): string {
  return `vector_ivfrq_${trainedOn}`;
}

/** The rows an index of this name was trained on, or undefined for a name paperd did not give. */
export function trainedOnOf(name: string): number | undefined {
  const match = INDEX_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}
