import type { Database } from 'better-sqlite3';
import { countStuckJobs } from './journal.js';
import { Outbox, PAPER_VECTORS_CONSUMER } from './outbox.js';

/** Where the check reads the vector side's ids from (the LanceDB `VectorStore`). */
export interface VectorIdSource {
  /** Every row's id, duplicates included. */
  ids(): Promise<string[]>;
}

/** What `checkStores` found. Snake case: it is served as is by the API and printed by the CLI. */
export interface StoreCheck {
  /** Every count below agrees and nothing is stuck. */
  readonly ok: boolean;
  readonly papers: number;
  /** Documents in the FTS index. */
  readonly fts: number;
  /** `ok`, or why FTS5's integrity check failed (index and `papers` disagree). */
  readonly fts_integrity: string;
  /** Rows in LanceDB. */
  readonly vectors: number;
  /** Ids with more than one LanceDB row. */
  readonly duplicates: number;
  /** Papers with no vector. */
  readonly missing_in_vectors: number;
  /** Vectors of no paper. */
  readonly orphan_vectors: number;
  readonly stuck_jobs: number;
  /**
   * Outbox rows vector sync has not applied. Not part of `ok`: while it is above 0 the vector
   * side may rightly lag behind; the stores agree at rest.
   */
  readonly outbox_lag: number;
  /** A few offending ids of each kind, to start looking from. */
  readonly samples: { readonly duplicates: string[]; readonly missing_in_vectors: string[]; readonly orphan_vectors: string[] };
}

/** Settings of a check. */
export interface StoreCheckOptions {
  /** The time stuck jobs are judged at (ms; default now). */
  readonly now?: number;
  /** How far past due a job may be before it counts as stuck (default 5 minutes). */
  readonly stuckGraceMs?: number;
  /** Outbox consumer of the vector side (default vector sync's). */
  readonly consumer?: string;
  /** How many ids each sample keeps (default 10). */
  readonly sampleSize?: number;
}

/**
 * Compares the stores with one another: papers vs the FTS index (counts and FTS5's own integrity
 * check against the content table), papers vs LanceDB ids (missing, orphans, duplicates), and
 * the journal (stuck jobs). Runs on a writable connection: FTS5's integrity check is issued as
 * an INSERT. Read while writes go on, the two stores can differ by what is in flight.
 */
export async function checkStores(db: Database, vectors: VectorIdSource, options: StoreCheckOptions = {}): Promise<StoreCheck> {
  const sampleSize = options.sampleSize ?? 10;
  const now = options.now ?? Date.now();
  const vectorIds = await vectors.ids();

  const papers = (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  // count(*) on papers_fts would read the content table (papers) and always agree; the docsize
  // shadow table holds one row per indexed document.
  const fts = (db.prepare('SELECT count(*) AS n FROM papers_fts_docsize').get() as { n: number }).n;
  const ftsIntegrity = ftsIntegrityOf(db);
  const stuckJobs = countStuckJobs(db, now - (options.stuckGraceMs ?? 5 * 60_000));
  const outboxLag = new Outbox(db).lag(options.consumer ?? PAPER_VECTORS_CONSUMER);

  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const id of vectorIds) (seen.has(id) ? duplicates : seen).add(id);
  const missing: string[] = [];
  let missingCount = 0;
  const paperIds = new Set<string>();
  for (const { id } of db.prepare('SELECT id FROM papers').iterate() as IterableIterator<{ id: string }>) {
    paperIds.add(id);
    if (!seen.has(id) && missingCount++ < sampleSize) missing.push(id);
  }
  const orphans = [...seen].filter((id) => !paperIds.has(id));

  const ok =
    fts === papers &&
    ftsIntegrity === 'ok' &&
    vectorIds.length === papers &&
    duplicates.size === 0 &&
    missingCount === 0 &&
    orphans.length === 0 &&
    stuckJobs === 0;
  return {
    ok,
    papers,
    fts,
    fts_integrity: ftsIntegrity,
    vectors: vectorIds.length,
    duplicates: duplicates.size,
    missing_in_vectors: missingCount,
    orphan_vectors: orphans.length,
    stuck_jobs: stuckJobs,
    outbox_lag: outboxLag,
    samples: { duplicates: [...duplicates].slice(0, sampleSize), missing_in_vectors: missing, orphan_vectors: orphans.slice(0, sampleSize) },
  };
}

/** FTS5's integrity check with rank 1, which also compares the index with the content table. */
function ftsIntegrityOf(db: Database): string {
  try {
    db.prepare(`INSERT INTO papers_fts (papers_fts, rank) VALUES ('integrity-check', 1)`).run();
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
