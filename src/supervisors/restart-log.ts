import type { Logger } from 'pino';
import type { Database } from 'better-sqlite3';

/** One restart, escalation or give-up, as the restart log keeps it. */
export interface RestartRecord {
  readonly at: number;
  readonly event: 'restart' | 'give_up' | 'escalate';
  /** The actor that failed (for `escalate`, the supervisor that gave up). */
  readonly actor: string;
  /** The supervisor that acted (for `escalate`, the one that receives the failure, or `node`). */
  readonly supervisor: string;
  readonly strategy: string;
  readonly errorName: string;
  readonly errorMessage: string;
  readonly errorStack: string;
  readonly attempt: number;
  readonly delayMs: number;
  /** The children restarted together (one_for_all, rest_for_one). */
  readonly restarted: readonly string[];
}

export interface RestartLogQuery {
  readonly actor?: string;
  readonly since?: number;
  readonly limit?: number;
}

/** Where supervisors write what they did. */
export interface RestartLog {
  record(entry: RestartRecord): void;
}

/** The restart log in SQLite (`restart_log`), with a pino line per record. */
export class SqliteRestartLog implements RestartLog {
  private readonly insert;

  constructor(private readonly db: Database, private readonly log: Logger) {
    this.insert = db.prepare(
      `INSERT INTO restart_log (at, event, actor, supervisor, strategy, error_name, error_message, error_stack, attempt, delay_ms, restarted)
       VALUES (@at, @event, @actor, @supervisor, @strategy, @errorName, @errorMessage, @errorStack, @attempt, @delayMs, @restarted)`,
    );
  }

  record(entry: RestartRecord): void {
    const level = entry.event === 'restart' ? 'warn' : 'error';
    this.log[level]({ restart: { ...entry, errorStack: undefined }, actor: entry.actor }, `supervisor ${entry.event}`);
    try {
      this.insert.run({ ...entry, restarted: JSON.stringify(entry.restarted) });
    } catch (error) {
      // The log line above already holds the record; a full or closed database must not stop supervision.
      this.log.error({ err: error }, 'restart log write failed');
    }
  }
}

/** Reads the restart log, newest first. */
export function queryRestartLog(db: Database, query: RestartLogQuery = {}): RestartRecord[] {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: Math.min(Math.max(query.limit ?? 100, 1), 10_000) };
  if (query.actor) {
    where.push('(actor = @actor OR actor LIKE @actorPrefix)');
    params.actor = query.actor;
    params.actorPrefix = `${query.actor.replace(/[%_]/g, '')}/%`;
  }
  if (query.since !== undefined) {
    where.push('at >= @since');
    params.since = query.since;
  }
  const rows = db
    .prepare(
      `SELECT at, event, actor, supervisor, strategy, error_name AS errorName, error_message AS errorMessage,
              error_stack AS errorStack, attempt, delay_ms AS delayMs, restarted
       FROM restart_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`,
    )
    .all(params) as (Omit<RestartRecord, 'restarted'> & { restarted: string })[];
  return rows.map((r) => ({ ...r, restarted: JSON.parse(r.restarted) as string[] }));
}
