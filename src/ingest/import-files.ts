import type { PaperRecord } from '../protocols/paper.js';
import type { Journal, JobPriority, NewJob } from '../storage/sqlite/journal.js';
import { detectFormat, fileFailure, readRecords, walkFiles, type ImportFormat, type RejectedEntry } from './read-records.js';

/** The journal's job kind for a paper version to index. */
export const INGEST_JOB = 'ingest';

/**
 * The dedup key of a paper version as one source tells it: the same version from the same source
 * twice is one job. Sources differ in what they know (a listing entry lacks the API's dates and
 * DOI), so each source's record is indexed, and the store merges them field by field.
 */
export function ingestKey(record: Pick<PaperRecord, 'id' | 'version' | 'source'>): string {
  return `paper:${record.id}v${record.version}:${record.source}`;
}

/** The journal job that carries one record into the pipeline. */
export function ingestJob(record: PaperRecord, priority: JobPriority): NewJob {
  return { kind: INGEST_JOB, dedupKey: ingestKey(record), payload: record, priority };
}

export interface ImportReport {
  files: number;
  byFormat: Partial<Record<ImportFormat, number>>;
  /** Entries accepted into the journal by this run. */
  accepted: number;
  /** Entries already in the journal (an earlier or interrupted run took them). */
  duplicates: number;
  /** Files that could not be read at all, and entries that could not be used. */
  failedFiles: RejectedEntry[];
  rejectedEntries: number;
  /** The first rejected entries, for the report (all are counted). */
  rejectedSample: RejectedEntry[];
}

export interface ImportOptions {
  readonly journal: Journal;
  /** Resolves when the pipeline has room (backpressure); called before each batch. */
  readonly admit: () => Promise<void>;
  /** Called after each batch is journaled, to wake the pipeline. */
  readonly accepted?: (count: number) => void;
  readonly onFile?: (file: string, report: ImportReport) => void;
  readonly batchSize?: number;
  readonly priority?: JobPriority;
}

/**
 * Reads files and directories of arXiv Atom, OAI-PMH, `.abs` and BEIR JSONL into batches of
 * ingest jobs of at most `batchSize`, counting files, formats and what could not be used in
 * `report` as it goes. A file that cannot be read is reported and the rest goes on.
 */
export async function* readJobBatches(
  paths: readonly string[],
  report: ImportReport,
  options: { readonly batchSize?: number; readonly priority?: JobPriority; readonly onFile?: (file: string, report: ImportReport) => void } = {},
): AsyncGenerator<NewJob[]> {
  const batchSize = options.batchSize ?? 500;
  const priority = options.priority ?? 1;
  let batch: NewJob[] = [];
  for await (const file of walkFiles(paths)) {
    report.files++;
    try {
      const format = await detectFormat(file);
      report.byFormat[format] = (report.byFormat[format] ?? 0) + 1;
      for await (const item of readRecords(file, format)) {
        if ('rejected' in item) {
          report.rejectedEntries++;
          if (report.rejectedSample.length < 50) report.rejectedSample.push(item.rejected);
          continue;
        }
        batch.push(ingestJob(item.record, priority));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    } catch (error) {
      report.failedFiles.push(fileFailure(file, error));
    }
    options.onFile?.(file, report);
  }
  if (batch.length > 0) yield batch;
}

/** A report with nothing counted yet. */
export function emptyImportReport(): ImportReport {
  return { files: 0, byFormat: {}, accepted: 0, duplicates: 0, failedFiles: [], rejectedEntries: 0, rejectedSample: [] };
}

/**
 * Reads files and directories (see `readJobBatches`) into the journal, in batches, each batch one
 * transaction with its dedup keys; run again after an interruption, it adds only what is missing.
 */
export async function importFiles(paths: readonly string[], options: ImportOptions): Promise<ImportReport> {
  const report = emptyImportReport();
  for await (const batch of readJobBatches(paths, report, options)) {
    await options.admit();
    const results = await options.journal.acceptManyInTurn(batch);
    const created = results.filter((r) => r.created).length;
    report.accepted += created;
    report.duplicates += results.length - created;
    if (created > 0) options.accepted?.(created);
  }
  return report;
}
