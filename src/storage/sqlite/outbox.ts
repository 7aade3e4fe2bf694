import type { Database, Statement } from 'better-sqlite3';

/** What happened to a paper, as far as derived stores (LanceDB) care. */
export type OutboxOp = 'upsert' | 'delete';

/** One change to carry into a derived store; `seq` orders them. */
export interface OutboxEntry {
  readonly seq: number;
  readonly paperId: string;
  readonly op: OutboxOp;
  readonly createdAt: number;
}

/** The consumer that keeps the LanceDB `papers` table in step (vector sync). */
export const PAPER_VECTORS_CONSUMER = 'lancedb.papers';

/** Key prefix of consumer cursors in `sync_state`: pruning keeps whatever any of them has not read. */
const CURSOR_PREFIX = 'outbox.cursor.';

/**
 * The `outbox` table: change data capture from `papers` to the stores derived from it. Writers
 * append in the same transaction as the change, so a committed change always has its row;
 * each consumer reads in `seq` order after its own durable cursor (kept in `sync_state`).
 */
export class Outbox {
  private readonly insert: Statement<[string, OutboxOp, number]>;
  private readonly readAfter: Statement<[number, number]>;
  private readonly readCursor: Statement<[string]>;
  private readonly writeCursor: Statement<[string, string]>;
  private readonly countAfter: Statement<[number]>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare('INSERT INTO outbox (paper_id, op, created_at) VALUES (?, ?, ?)');
    this.readAfter = db.prepare('SELECT seq, paper_id AS paperId, op, created_at AS createdAt FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?');
    this.readCursor = db.prepare('SELECT value FROM sync_state WHERE key = ?');
    this.writeCursor = db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.countAfter = db.prepare('SELECT count(*) AS n FROM outbox WHERE seq > ?');
  }

  /** Records a change; call inside the transaction that makes it. */
  append(paperId: string, op: OutboxOp, now: number): void {
    this.insert.run(paperId, op, now);
  }

  /** Up to `limit` entries after `seq`, in order. */
  after(seq: number, limit: number): OutboxEntry[] {
    return this.readAfter.all(seq, limit) as OutboxEntry[];
  }

  /** The last seq `consumer` has durably applied (0 before its first batch). */
  cursor(consumer: string): number {
    const row = this.readCursor.get(CURSOR_PREFIX + consumer) as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  /**
   * Makes `consumer` known, at seq 0 if it is new, so pruning waits for it even before it has
   * read anything.
   */
  register(consumer: string): void {
    this.db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING').run(CURSOR_PREFIX + consumer, '0');
  }

  /** Moves `consumer`'s cursor to `seq`; call only once the entries up to `seq` are applied. */
  advance(consumer: string, seq: number): void {
    this.writeCursor.run(CURSOR_PREFIX + consumer, String(seq));
  }

  /** Entries `consumer` has not applied yet. */
  lag(consumer: string): number {
    return (this.countAfter.get(this.cursor(consumer)) as { n: number }).n;
  }

  /**
   * Deletes the entries every registered consumer has applied; returns how many. With no
   * consumer registered nothing is deleted: an entry nobody has read is never dropped.
   */
  pruneConsumed(): number {
    const row = this.db
      .prepare("SELECT min(CAST(value AS INTEGER)) AS low, count(*) AS n FROM sync_state WHERE key LIKE 'outbox.cursor.%'")
      .get() as { low: number | null; n: number };
    if (row.n === 0 || row.low === null) return 0;
    return this.db.prepare('DELETE FROM outbox WHERE seq <= ?').run(row.low).changes;
  }
}
