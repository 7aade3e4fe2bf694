import type { Database, Statement } from 'better-sqlite3';
import type { Alert, AlertSeverity, AlertState } from './types.js';

interface AlertRow {
  rule: string;
  subject: string;
  severity: AlertSeverity;
  state: AlertState;
  summary: string;
  message: string;
  value: number | null;
  firing_since: number;
  resolved_at: number | null;
  last_evaluated_at: number;
  node: string;
}

const toAlert = (r: AlertRow): Alert => ({
  rule: r.rule, subject: r.subject, severity: r.severity, state: r.state, summary: r.summary, message: r.message, value: r.value,
  firingSince: r.firing_since, resolvedAt: r.resolved_at, lastEvaluatedAt: r.last_evaluated_at, node: r.node,
});

/**
 * Alerts' state in SQLite (`alerts`, migration 17): one row per rule and subject, so a restarted
 * node knows what was firing and does not announce it again, and `paperd status --data` reads it
 * without a running node.
 */
export class AlertStore {
  private readonly upsert: Statement;
  private readonly all: Statement<[]>;

  constructor(private readonly db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO alerts (rule, subject, severity, state, summary, message, value, firing_since, resolved_at, last_evaluated_at, node)
       VALUES (@rule, @subject, @severity, @state, @summary, @message, @value, @firingSince, @resolvedAt, @lastEvaluatedAt, @node)
       ON CONFLICT (rule, subject) DO UPDATE SET severity = excluded.severity, state = excluded.state, summary = excluded.summary,
         message = excluded.message, value = excluded.value, firing_since = excluded.firing_since, resolved_at = excluded.resolved_at,
         last_evaluated_at = excluded.last_evaluated_at, node = excluded.node`,
    );
    this.all = db.prepare('SELECT * FROM alerts ORDER BY state = \'resolved\', firing_since DESC');
  }

  /** Every alert known, firing first, newest first. */
  list(): Alert[] {
    return (this.all.all() as AlertRow[]).map(toAlert);
  }

  save(alerts: readonly Alert[]): void {
    if (alerts.length === 0) return;
    this.db.transaction(() => {
      for (const a of alerts) this.upsert.run({ ...a });
    })();
  }

  /** Drops resolved alerts older than `before` (epoch ms), so the table stays small. */
  prune(before: number): number {
    return this.db.prepare("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?").run(before).changes;
  }
}
