import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { importFiles, type ImportReport } from '../ingest/import-files.js';
import { openLocalRuntime } from '../node/local-runtime.js';
import { buildTree, noParts } from '../node/tree.js';
import { JOB } from './job-kinds.js';

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
 * `paperd import` with no node running: takes the data dir, runs the ingestion actors in this
 * process, journals the files' entries, and returns once every entry accepted is in both stores
 * (or failed, with its reason). Killed at any moment and run again, it finishes the job: the
 * journal dedups what was accepted, and the leases of the dead run come back at start.
 */
export async function importLocally(paths: readonly string[], config: Config, log: Logger, onProgress?: (p: LocalImportProgress) => void): Promise<LocalImportResult> {
  const runtime = await openLocalRuntime(config, log, 'import');
  const { system, store } = runtime;
  const ingestion = runtime.ingestion!;
  let fatal: unknown;
  const parts = { ...noParts, storage: ingestion.storageChildren, pipeline: ingestion.pipelineChildren };
  try {
    await system.start(buildTree(system, config, parts), (error) => (fatal = error));
    // Work journaled by an interrupted run is picked up even if this run adds nothing.
    ingestion.nudge();
    const report = await importFiles(paths, {
      journal: store.journal,
      admit: () => ingestion.watcher.waitForCapacity(),
      accepted: () => ingestion.nudge(),
      onFile: (_file, r) => onProgress?.({ phase: 'reading', files: r.files, accepted: r.accepted, depth: ingestion.depth() }),
      batchSize: config.pipeline.batchSize,
    });
    for (;;) {
      if (fatal) throw fatal;
      const depth = ingestion.depth();
      onProgress?.({ phase: 'draining', files: report.files, accepted: report.accepted, depth });
      if (depth === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const failedJobs = (store.db.prepare(`SELECT count(*) AS n FROM jobs WHERE kind = ? AND state = 'failed'`).get(JOB.ingest) as { n: number }).n;
    return { ...report, papers: store.papers.count(), failedJobs };
  } finally {
    await system.shutdown();
    runtime.close();
  }
}
