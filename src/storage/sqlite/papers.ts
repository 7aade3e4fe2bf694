import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { PaperRecord } from '../../protocols/paper.js';
import { NotFoundError } from '../../errors.js';
import { systemClock, type Clock } from '../../runtime/clock.js';
import { Outbox } from './outbox.js';
import { PaperLinks } from './paper-links.js';
import {
  RECORD_COLUMN_NAMES,
  canonicalRecord,
  columnsDiffer,
  mergeSameVersion,
  recordColumns,
  storedPaperOf,
  type PaperRow,
  type PdfStatus,
  type RecordColumns,
  type StoredPaper,
  type TextStatus,
} from './paper-rows.js';

/**
 * What an upsert did. `inserted`: a new paper. `updated`: the paper now shows this version (or
 * this version's record gained information it shows). `history`: only the version history
 * changed (an older version arriving late, or a field the paper does not show). `unchanged`:
 * nothing was written at all.
 */
export type UpsertOutcome = 'inserted' | 'updated' | 'history' | 'unchanged';

/** Counts of outcomes of a batch upsert. */
export type UpsertCounts = Record<UpsertOutcome, number>;

/** One entry of a paper's version history, oldest first. */
export interface PaperVersionEntry {
  readonly version: number;
  readonly title: string;
  readonly abstract: string;
  readonly updated: string | null;
  readonly record: PaperRecord;
}

/** A PDF outcome, as the fetcher reports it. */
export interface PdfUpdate {
  readonly status: PdfStatus;
  /** Content address of the stored blob; kept from before when omitted. */
  readonly sha256?: string;
  /** Why the PDF failed or was skipped; cleared when omitted. */
  readonly error?: string;
}

/**
 * The papers repository: `papers` (latest version), `paper_versions` (history), authors and
 * categories, with FTS kept in step by triggers and an `outbox` row for every change that the
 * derived stores must follow. Every method is one transaction; the writer is one actor.
 */
export class PaperStore {
  private readonly outbox: Outbox;
  private readonly links: PaperLinks;
  private readonly selectCurrent: Statement<[string]>;
  private readonly selectVersionRaw: Statement<[string, number]>;
  private readonly insertPaper: Statement<[RecordColumns & { now: number }]>;
  private readonly updatePaper: Statement<[RecordColumns & { now: number }]>;
  private readonly insertVersion: Statement<[string, number, string]>;
  private readonly updateVersion: Statement<[string, string, number]>;
  private readonly selectPaper: Statement<[string]>;
  private readonly resetPdf: Statement<[number, string]>;
  private readonly upsertOneTx: Transaction<(record: PaperRecord, now: number) => UpsertOutcome>;
  private readonly upsertManyTx: Transaction<(records: readonly PaperRecord[], now: number) => UpsertCounts>;

  constructor(private readonly db: Database, private readonly clock: Clock = systemClock()) {
    this.outbox = new Outbox(db);
    this.links = new PaperLinks(db);
    const cols = RECORD_COLUMN_NAMES.join(', ');
    this.selectCurrent = db.prepare(`SELECT ${cols} FROM papers WHERE id = ?`);
    this.selectVersionRaw = db.prepare('SELECT raw FROM paper_versions WHERE paper_id = ? AND version = ?');
    this.insertPaper = db.prepare(
      `INSERT INTO papers (${cols}, created_at, updated_at) VALUES (${RECORD_COLUMN_NAMES.map((c) => `@${c}`).join(', ')}, @now, @now)`,
    );
    this.updatePaper = db.prepare(
      `UPDATE papers SET ${RECORD_COLUMN_NAMES.filter((c) => c !== 'id').map((c) => `${c} = @${c}`).join(', ')}, updated_at = @now WHERE id = @id`,
    );
    this.insertVersion = db.prepare('INSERT INTO paper_versions (paper_id, version, raw) VALUES (?, ?, ?)');
    this.updateVersion = db.prepare('UPDATE paper_versions SET raw = ? WHERE paper_id = ? AND version = ?');
    this.selectPaper = db.prepare('SELECT * FROM papers WHERE id = ?');
    this.resetPdf = db.prepare(`UPDATE papers SET pdf_status = 'pending', pdf_error = NULL, updated_at = ? WHERE id = ?`);
    this.upsertOneTx = db.transaction((record: PaperRecord, now: number) => this.upsertInTransaction(record, now));
    this.upsertManyTx = db.transaction((records: readonly PaperRecord[], now: number) => {
      const counts: UpsertCounts = { inserted: 0, updated: 0, history: 0, unchanged: 0 };
      for (const record of records) counts[this.upsertInTransaction(record, now)]++;
      return counts;
    });
  }

  /**
   * Stores one version of a paper. Idempotent: the same record again writes nothing. A newer
   * version replaces the paper's fields and keeps the older ones in the history; an older version
   * arriving late only joins the history.
   */
  upsertVersion(record: PaperRecord): UpsertOutcome {
    return this.upsertOneTx.immediate(record, this.clock.now());
  }

  /** `upsertVersion` for a batch, in one transaction: all or none of it is stored. */
  upsertMany(records: readonly PaperRecord[]): UpsertCounts {
    return this.upsertManyTx.immediate(records, this.clock.now());
  }

  private upsertInTransaction(incoming: PaperRecord, now: number): UpsertOutcome {
    const current = this.selectCurrent.get(incoming.id) as RecordColumns | undefined;
    // Versions cascade with their paper: with no paper there is no version row to look for.
    const previous = current ? (this.selectVersionRaw.get(incoming.id, incoming.version) as { raw: string } | undefined) : undefined;
    const record = previous ? mergeSameVersion(JSON.parse(previous.raw) as PaperRecord, canonicalRecord(incoming)) : canonicalRecord(incoming);
    const raw = JSON.stringify(record);
    const columns = recordColumns(record);

    if (!current) {
      this.insertPaper.run({ ...columns, now });
      this.insertVersion.run(record.id, record.version, raw);
      this.links.replaceAuthors(record.id, record.authors, true);
      this.links.replaceCategories(record.id, record.categories, columns.primary_category, true);
      this.outbox.append(record.id, 'upsert', now);
      return 'inserted';
    }

    const historyChanged = previous?.raw !== raw;
    if (!previous) this.insertVersion.run(record.id, record.version, raw);
    else if (historyChanged) this.updateVersion.run(raw, record.id, record.version);

    if (record.version < current.version || !columnsDiffer(columns, current)) return historyChanged ? 'history' : 'unchanged';

    this.updatePaper.run({ ...columns, now });
    // A new version has a new PDF: the fetcher starts over, while search keeps the old body until the new one is extracted.
    if (record.version > current.version) this.resetPdf.run(now, record.id);
    if (columns.authors !== current.authors) this.links.replaceAuthors(record.id, record.authors);
    if (columns.categories !== current.categories || columns.primary_category !== current.primary_category) {
      this.links.replaceCategories(record.id, record.categories, columns.primary_category);
    }
    this.outbox.append(record.id, 'upsert', now);
    return 'updated';
  }

  /**
   * Sets the extracted full text. Returns whether anything changed; a changed body is indexed
   * text, so it also writes an outbox row.
   * @throws NotFoundError when the paper does not exist
   */
  setBody(id: string, text: string | null, textStatus: TextStatus): boolean {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT body, text_status FROM papers WHERE id = ?').get(id) as { body: string | null; text_status: TextStatus } | undefined;
        if (!row) throw new NotFoundError(`no paper ${id} to set the body of`);
        if (row.body === text && row.text_status === textStatus) return false;
        const now = this.clock.now();
        this.db.prepare('UPDATE papers SET body = ?, text_status = ?, updated_at = ? WHERE id = ?').run(text, textStatus, now, id);
        if (row.body !== text) this.outbox.append(id, 'upsert', now);
        return true;
      })
      .immediate();
  }

  /**
   * Records the PDF outcome. Returns whether anything changed. The PDF's status is not indexed
   * text, so this writes no outbox row; the text extracted from it arrives through `setBody`.
   * @throws NotFoundError when the paper does not exist
   */
  setPdf(id: string, update: PdfUpdate): boolean {
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT pdf_status, pdf_sha256, pdf_error FROM papers WHERE id = ?').get(id) as
          | { pdf_status: PdfStatus; pdf_sha256: string | null; pdf_error: string | null }
          | undefined;
        if (!row) throw new NotFoundError(`no paper ${id} to record a PDF for`);
        const sha256 = update.sha256 ?? row.pdf_sha256;
        const error = update.error ?? null;
        if (row.pdf_status === update.status && row.pdf_sha256 === sha256 && row.pdf_error === error) return false;
        this.db
          .prepare('UPDATE papers SET pdf_status = ?, pdf_sha256 = ?, pdf_error = ?, updated_at = ? WHERE id = ?')
          .run(update.status, sha256, error, this.clock.now(), id);
        return true;
      })
      .immediate();
  }

  /** Removes a paper with its history and links; returns whether it existed. */
  delete(id: string): boolean {
    return this.db
      .transaction(() => {
        const removed = this.db.prepare('DELETE FROM papers WHERE id = ?').run(id).changes > 0;
        if (removed) this.outbox.append(id, 'delete', this.clock.now());
        return removed;
      })
      .immediate();
  }

  /** The paper, latest version, or undefined. */
  get(id: string): StoredPaper | undefined {
    const row = this.selectPaper.get(id) as PaperRow | undefined;
    return row ? storedPaperOf(row) : undefined;
  }

  /** Every version stored for a paper, oldest first. */
  versions(id: string): PaperVersionEntry[] {
    const rows = this.db
      .prepare('SELECT version, title, abstract, updated, raw FROM paper_versions WHERE paper_id = ? ORDER BY version')
      .all(id) as { version: number; title: string; abstract: string; updated: string | null; raw: string }[];
    return rows.map(({ raw, ...rest }) => ({ ...rest, record: JSON.parse(raw) as PaperRecord }));
  }

  /** How many papers are stored. */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  }
}
