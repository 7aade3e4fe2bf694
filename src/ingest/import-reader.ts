import { randomUUID } from 'node:crypto';
import type { Clock } from '../runtime/clock.js';
import { WriterThread } from '../storage/sqlite/writer-thread.js';
import type { WriteGate } from '../storage/sqlite/write-gate.js';
import type { JobPriority } from '../storage/sqlite/journal.js';
import type { ImportReport } from './import-files.js';
import type { ImportStepOutcome, ImportStepRequest } from './import-steps.js';

const ENTRY = new URL('./import-reader-worker.ts', import.meta.url);

export interface ImportReaderOptions {
  /** Resolves when the pipeline has room (backpressure); awaited before each batch. */
  readonly admit: () => Promise<void>;
  /** Called after each batch is journaled, to wake the pipeline. */
  readonly accepted?: (count: number) => void;
  readonly batchSize?: number;
  readonly priority?: JobPriority;
}

/**
 * `importFiles` with the reading and the journaling in a thread of their own (`ImportSteps`):
 * at a million papers, parsing an upload and accepting it on the event loop held it for 45–107 ms
 * at a time during an import, and every search that arrived meanwhile waited.
 */
export class ImportReader extends WriterThread<ImportStepRequest, ImportStepOutcome> {
  constructor(file: string, gate: WriteGate, private readonly clock: Clock) {
    super(ENTRY, 'the import reader', file, gate);
  }

  /** @throws when the thread fails; what it had journaled stays, and importing again adds only the rest */
  async importFiles(paths: readonly string[], options: ImportReaderOptions): Promise<ImportReport> {
    const importId = randomUUID();
    let step = await this.request({ op: 'open', importId, paths, ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}), ...(options.priority !== undefined ? { priority: options.priority } : {}) });
    try {
      while (!step.done) {
        await options.admit();
        step = await this.request({ op: 'step', importId, now: this.clock.now() });
        if (step.created > 0) options.accepted?.(step.created);
      }
      return step.report;
    } finally {
      await this.request({ op: 'close', importId }).catch(() => undefined);
    }
  }
}
