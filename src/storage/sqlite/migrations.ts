/**
 * The SQLite schema, as an ordered list of migrations. A migration is applied once, in its own
 * transaction, and recorded in `schema_migrations`; never edit one that has shipped, add the next.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'restart_log',
    sql: `
      CREATE TABLE restart_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        event TEXT NOT NULL CHECK (event IN ('restart', 'give_up', 'escalate')),
        actor TEXT NOT NULL,
        supervisor TEXT NOT NULL,
        strategy TEXT NOT NULL,
        error_name TEXT NOT NULL,
        error_message TEXT NOT NULL,
        error_stack TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        delay_ms INTEGER NOT NULL,
        restarted TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX restart_log_actor_at ON restart_log (actor, at);
      CREATE INDEX restart_log_at ON restart_log (at);
    `,
  },
];
