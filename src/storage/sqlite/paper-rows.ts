import type { Author, PaperRecord } from '../../protocols/paper.js';

/** Where a paper's PDF stands. */
export type PdfStatus = 'pending' | 'stored' | 'failed' | 'skipped';
/** Whether a paper's full text has been extracted (or needs OCR first). */
export type TextStatus = 'none' | 'extracted' | 'needs_ocr';

/** A paper as stored: the latest version's record plus what the pipeline added to it. */
export interface StoredPaper {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly abstract: string;
  readonly body: string | null;
  readonly authors: Author[];
  readonly categories: string[];
  readonly primaryCategory: string | null;
  readonly published: string | null;
  readonly updated: string | null;
  readonly comment: string | null;
  readonly journalRef: string | null;
  readonly doi: string | null;
  readonly license: string | null;
  readonly pdfUrl: string | null;
  readonly source: PaperRecord['source'];
  readonly hasCode: boolean;
  readonly pdfSha256: string | null;
  readonly pdfStatus: PdfStatus;
  readonly pdfError: string | null;
  readonly textStatus: TextStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** The `papers` columns a record determines, as bound to the statements (named parameters). */
export interface RecordColumns {
  id: string;
  version: number;
  title: string;
  abstract: string;
  authors: string;
  categories: string;
  primary_category: string | null;
  published: string | null;
  updated: string | null;
  comment: string | null;
  journal_ref: string | null;
  doi: string | null;
  license: string | null;
  pdf_url: string | null;
  source: string;
}

/** Names of the record-determined columns, for SELECTs and change detection. */
export const RECORD_COLUMN_NAMES = [
  'id', 'version', 'title', 'abstract', 'authors', 'categories', 'primary_category', 'published', 'updated',
  'comment', 'journal_ref', 'doi', 'license', 'pdf_url', 'source',
] as const satisfies readonly (keyof RecordColumns)[];

/**
 * The record with a fixed key order and no undefined fields, so that the same record always
 * serialises to the same JSON whichever parser built it: re-imports are then detected by string
 * equality.
 */
export function canonicalRecord(r: PaperRecord): PaperRecord {
  const out: Record<string, unknown> = {
    id: r.id,
    version: r.version,
    title: r.title,
    abstract: r.abstract,
    authors: r.authors.map((a) => ({ name: a.name, affiliations: [...a.affiliations] })),
    categories: [...r.categories],
  };
  const optional = ['primaryCategory', 'published', 'updated', 'comment', 'journalRef', 'doi', 'license', 'pdfUrl', 'announceType'] as const;
  for (const key of optional) if (r[key] !== undefined) out[key] = r[key];
  out.source = r.source;
  return out as PaperRecord;
}

/**
 * Two records of the same version, from different sources or fetches: the newer one wins field
 * by field, but what it does not know (an absent optional field, an empty author or category
 * list) keeps the older value, so a sparse source never erases what a richer one gave.
 */
export function mergeSameVersion(older: PaperRecord, newer: PaperRecord): PaperRecord {
  const merged: Record<string, unknown> = { ...older };
  for (const [key, value] of Object.entries(newer)) {
    if (value === undefined) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    merged[key] = value;
  }
  return canonicalRecord(merged as PaperRecord);
}

/** The columns of `papers` a record sets. */
export function recordColumns(r: PaperRecord): RecordColumns {
  return {
    id: r.id,
    version: r.version,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.stringify(r.authors),
    categories: JSON.stringify(r.categories),
    primary_category: r.primaryCategory ?? r.categories[0] ?? null,
    published: r.published ?? null,
    updated: r.updated ?? null,
    comment: r.comment ?? null,
    journal_ref: r.journalRef ?? null,
    doi: r.doi ?? null,
    license: r.license ?? null,
    pdf_url: r.pdfUrl ?? null,
    source: r.source,
  };
}

/** Whether two column sets differ in any record-determined column. */
export function columnsDiffer(a: RecordColumns, b: RecordColumns): boolean {
  return RECORD_COLUMN_NAMES.some((k) => a[k] !== b[k]);
}

/**
 * The key authors are deduplicated on: Unicode-folded (diacritics dropped), lower-cased, spacing
 * after initials and runs of whitespace made uniform. "José  García" and "Jose Garcia" are one author; "J. Garcia"
 * stays another, since initials alone cannot tell people apart.
 */
export function authorKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s*\.\s*/g, '. ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A `papers` row read with `SELECT *`. */
export interface PaperRow extends RecordColumns {
  seq: number;
  body: string | null;
  has_code: number;
  pdf_sha256: string | null;
  pdf_status: PdfStatus;
  pdf_error: string | null;
  text_status: TextStatus;
  created_at: number;
  updated_at: number;
}

/** A `papers` row as the rest of paperd sees it. */
export function storedPaperOf(row: PaperRow): StoredPaper {
  return {
    id: row.id,
    version: row.version,
    title: row.title,
    abstract: row.abstract,
    body: row.body,
    authors: JSON.parse(row.authors) as Author[],
    categories: JSON.parse(row.categories) as string[],
    primaryCategory: row.primary_category,
    published: row.published,
    updated: row.updated,
    comment: row.comment,
    journalRef: row.journal_ref,
    doi: row.doi,
    license: row.license,
    pdfUrl: row.pdf_url,
    source: row.source as PaperRecord['source'],
    hasCode: row.has_code !== 0,
    pdfSha256: row.pdf_sha256,
    pdfStatus: row.pdf_status,
    pdfError: row.pdf_error,
    textStatus: row.text_status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
