import type { Database } from 'better-sqlite3';
import { AnnouncementCheckpoint, announcementKey, readCheckpoint } from '../sources/arxiv/harvest-checkpoint.js';
import { SqliteCheckpointStore } from '../storage/sqlite/checkpoints.js';
import type { JobState } from '../storage/sqlite/jobs.js';

const JOB_STATES: readonly JobState[] = ['queued', 'leased', 'done', 'failed'];

/** What `GET /v1/stats` reports. */
export interface StoreStats {
  readonly papers: number;
  readonly versions: number;
  readonly authors: number;
  readonly withFullText: number;
  readonly withCode: number;
  readonly jobs: Record<string, number>;
  /** The last arXiv announcement fully ingested (ISO), if the poller has seen one. */
  readonly lastAnnouncement: string | null;
  readonly pipelineDepth: number | null;
}

/** The counts of `StoreStats`: everything but the pipeline's depth, which the node knows. */
export type StoreCounts = Omit<StoreStats, 'pipelineDepth'>;

/** The counts, from the `store_counts` rows the schema's triggers keep (a key lookup each, at any size). */
export function storeCounts(db: Database, categories: readonly string[]): StoreCounts {
  const counts = new Map((db.prepare('SELECT name, n FROM store_counts').all() as { name: string; n: number }[]).map((r) => [r.name, r.n]));
  const count = (name: string) => counts.get(name) ?? 0;
  // Only the states some job is in, as a GROUP BY would list them.
  const jobs = Object.fromEntries(JOB_STATES.filter((state) => count(`jobs:${state}`) > 0).map((state) => [state, count(`jobs:${state}`)]));
  const checkpoint = readCheckpoint(new SqliteCheckpointStore(db), announcementKey(categories), AnnouncementCheckpoint);
  return {
    papers: count('papers'),
    versions: count('paper_versions'),
    authors: count('authors'),
    withFullText: count('papers_with_full_text'),
    withCode: count('papers_with_code'),
    jobs,
    lastAnnouncement: checkpoint ? new Date(checkpoint.announcementMs).toISOString() : null,
  };
}
