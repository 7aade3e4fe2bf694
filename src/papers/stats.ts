import type { Database } from 'better-sqlite3';
import { AnnouncementCheckpoint, announcementKey, readCheckpoint } from '../sources/arxiv/harvest-checkpoint.js';
import { SqliteCheckpointStore } from '../storage/sqlite/checkpoints.js';

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

export function storeCounts(db: Database, categories: readonly string[]): StoreCounts {
  const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const jobs = Object.fromEntries((db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
  const checkpoint = readCheckpoint(new SqliteCheckpointStore(db), announcementKey(categories), AnnouncementCheckpoint);
  return {
    papers: one('SELECT count(*) AS n FROM papers'),
    versions: one('SELECT count(*) AS n FROM paper_versions'),
    authors: one('SELECT count(*) AS n FROM authors'),
    withFullText: one(`SELECT count(*) AS n FROM papers WHERE text_status = 'extracted'`),
    withCode: one('SELECT count(*) AS n FROM papers WHERE has_code <> 0'),
    jobs,
    lastAnnouncement: checkpoint ? new Date(checkpoint.announcementMs).toISOString() : null,
  };
}
