import { statfsSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { Config } from '../../config/schema.js';
import type { LlmRouter } from '../../inference/router.js';
import { AnnouncementCheckpoint, announcementKey, readCheckpoint } from '../../sources/arxiv/harvest-checkpoint.js';
import { SqliteCheckpointStore } from '../../storage/sqlite/checkpoints.js';
import { queryRestartLog, type Registry } from '../../supervisors/index.js';
import type { AlertSignals, SourceHealth, SupervisionEvents } from '../alerts/signals.js';

const SOURCES_PREFIX = 'root/sources/';

const epochOf = (value: unknown): number | undefined => {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
};

/**
 * The polling sources of the tree, read from their actors' summaries (`consecutiveFailures`,
 * `lastPollAt`, `nextPollAt`): the arXiv poller follows the announcement schedule, the Hugging
 * Face and GitHub pollers their configured intervals.
 */
export function sourcesFromRegistry(registry: Registry, config: Config, startedAt: number): () => SourceHealth[] {
  const intervals: Record<string, number> = { 'huggingface-poller': config.huggingface.intervalMs, 'github-poller': config.github.intervalMs };
  return () => {
    const found: SourceHealth[] = [];
    for (const cell of registry.cells()) {
      if (cell.kind !== 'worker' || !cell.path.startsWith(SOURCES_PREFIX)) continue;
      const summary = cell.summary() as Record<string, unknown> | undefined;
      if (!summary || typeof summary.consecutiveFailures !== 'number') continue;
      const lastPollAt = epochOf(summary.lastPollAt);
      const nextPollAt = epochOf(summary.nextPollAt);
      const everyMs = intervals[cell.id];
      found.push({
        name: cell.id,
        consecutiveFailures: summary.consecutiveFailures,
        lastError: typeof summary.lastError === 'string' ? summary.lastError : null,
        startedAt,
        ...(lastPollAt === undefined ? {} : { lastPollAt }),
        ...(nextPollAt === undefined ? {} : { nextPollAt }),
        ...(everyMs === undefined || nextPollAt !== undefined ? {} : { everyMs }),
      });
    }
    return found;
  };
}

/** Restarts and give-ups from the restart log (SQLite), which outlives the process. */
export function supervisionFromRestartLog(db: Database): (since: number) => SupervisionEvents {
  return (since) => {
    const records = queryRestartLog(db, { since, limit: 10_000 });
    return {
      restarts: records.filter((r) => r.event === 'restart').length,
      gaveUp: records.filter((r) => r.event === 'give_up').map((r) => ({ supervisor: r.supervisor, actor: r.actor, at: r.at, error: `${r.errorName}: ${r.errorMessage}` })),
    };
  };
}

/**
 * Jobs waiting or leased, and how many have left the queue so far (done or failed): every job ever
 * accepted has an id, so that is the newest id less the open ones. Both read indexes only; counting
 * done jobs scanned the whole table (a million rows in a year) at every evaluation.
 */
export function journalFromDb(db: Database): () => { depth: number; done: number } {
  const statement = db.prepare(
    `SELECT open AS depth, newest - open AS done FROM (
       SELECT (SELECT count(*) FROM jobs WHERE state = 'queued') + (SELECT count(*) FROM jobs WHERE state = 'leased') AS open,
              (SELECT coalesce(max(id), 0) FROM jobs) AS newest)`,
  );
  return () => statement.get() as { depth: number; done: number };
}

/** The LLM router's endpoints, as `runtime.llm.snapshot()` gives them. */
export function llmFromRouter(router: LlmRouter): NonNullable<AlertSignals['llmEndpoints']> {
  return () => router.snapshot().endpoints.map((e) => ({ name: e.name, state: e.state, reason: e.reason ?? null }));
}

/** Free and total bytes of the file system `path` is on. */
export function diskOf(path: string): NonNullable<AlertSignals['disk']> {
  return () => {
    const s = statfsSync(path);
    return { path, freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  };
}

/** The arXiv poller's checkpoint: the last announcement it ingested completely. */
export function lastAnnouncementFromCheckpoint(db: Database, categories: readonly string[]): () => number | undefined {
  const checkpoints = new SqliteCheckpointStore(db);
  const key = announcementKey(categories);
  return () => readCheckpoint(checkpoints, key, AnnouncementCheckpoint)?.announcementMs;
}
