import type { Database, Statement } from 'better-sqlite3';
import { describeError } from '../../errors.js';
import { oaiHarvestKey } from '../../sources/arxiv/harvest-checkpoint.js';

/** A harvest asked for: OAI-PMH ListRecords over a date range and set. */
export interface BackfillRequest {
  readonly id: number;
  readonly scopeKey: string;
  readonly from: string;
  readonly until: string;
  readonly set: string | null;
  readonly state: 'queued' | 'done' | 'failed';
  readonly error: string | null;
}

/**
 * The backfills asked of a node (`offline_backfills`), in order. One per scope: asking again for
 * the same range and set is the same backfill (its harvest checkpoint resumes it), and asking
 * again for one that failed queues it again.
 */
export class BackfillRequests {
  private readonly insert: Statement<[{ key: string; from: string; until: string; set: string | null; now: number }]>;
  private readonly first: Statement<[]>;
  private readonly byKey: Statement<[string]>;
  private readonly finish: Statement<[string, string | null, number, number]>;
  private readonly queuedCount: Statement<[]>;

  constructor(db: Database, private readonly now: () => number = Date.now) {
    this.insert = db.prepare(
      `INSERT INTO offline_backfills (scope_key, from_day, until_day, oai_set, created_at, updated_at) VALUES (@key, @from, @until, @set, @now, @now)
       ON CONFLICT (scope_key) DO UPDATE SET state = 'queued', error = NULL, updated_at = @now WHERE state = 'failed'`,
    );
    this.first = db.prepare(`SELECT ${columns} FROM offline_backfills WHERE state = 'queued' ORDER BY id LIMIT 1`);
    this.byKey = db.prepare(`SELECT ${columns} FROM offline_backfills WHERE scope_key = ?`);
    this.finish = db.prepare('UPDATE offline_backfills SET state = ?, error = ?, updated_at = ? WHERE id = ?');
    this.queuedCount = db.prepare(`SELECT count(*) FROM offline_backfills WHERE state = 'queued'`).pluck();
  }

  /** Queues a harvest (a no-op for one queued or done already); returns it. */
  add(from: string, until: string, set?: string): BackfillRequest {
    const key = oaiHarvestKey({ metadataPrefix: 'arXivRaw', set, from, until });
    this.insert.run({ key, from, until, set: set ?? null, now: this.now() });
    return this.byKey.get(key) as BackfillRequest;
  }

  /** The oldest queued harvest. */
  next(): BackfillRequest | undefined {
    return this.first.get() as BackfillRequest | undefined;
  }

  queued(): number {
    return this.queuedCount.get() as number;
  }

  done(id: number): void {
    this.finish.run('done', null, this.now(), id);
  }

  failed(id: number, error: unknown): void {
    const { name, message } = describeError(error);
    this.finish.run('failed', `${name}: ${message}`, this.now(), id);
  }
}

const columns = `id, scope_key AS scopeKey, from_day AS "from", until_day AS "until", oai_set AS "set", state, error`;
