import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { importFiles, type ImportReport } from '../ingest/import-files.js';
import { JOB } from './job-kinds.js';
import { runLocally } from './run-locally.js';

export interface LocalImportResult extends ImportReport {
  /** Papers in the store when the import finished. */
  papers: number;
  /** Ingest jobs of this data dir that failed for good (with their reasons in the journal). */
  failedJobs: number;
}

export interface LocalImportProgress {
  readonly phase: 'reading' | 'draining';
  readonly files: number;
  readonly accepted: number;
  readonly depth: number;
}

/**
 * `paperd import` with no node running: journals the files' entries through the in-process
 * pipeline and returns once every entry accepted is in both stores (or failed, with its
 * reason). Killed at any moment and run again, it finishes the job: the journal dedups what was
 * accepted, and the leases of the dead run come back at start.
 */
export function importLocally(paths: readonly string[], config: Config, log: Logger, onProgress?: (p: LocalImportProgress) => void): Promise<LocalImportResult> {
  let progress = { files: 0, accepted: 0 };
  return runLocally(config, log, 'import', {
    work: ({ runtime, ingestion }) =>
      importFiles(paths, {
        journal: runtime.store.journal,
        admit: () => ingestion.watcher.waitForCapacity(),
        accepted: () => ingestion.nudge(),
        onFile: (_file, r) => {
          progress = { files: r.files, accepted: r.accepted };
          onProgress?.({ phase: 'reading', ...progress, depth: ingestion.depth() });
        },
        batchSize: config.pipeline.batchSize,
      }),
    onDrain: (depth) => onProgress?.({ phase: 'draining', ...progress, depth }),
    summarize: ({ runtime }, report) => ({
      ...report,
      papers: runtime.store.papers.count(),
      failedJobs: (runtime.store.db.prepare(`SELECT count(*) AS n FROM jobs WHERE kind = ? AND state = 'failed'`).get(JOB.ingest) as { n: number }).n,
    }),
  });
}
