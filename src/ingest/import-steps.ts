import type { Database } from 'better-sqlite3';
import { StepClock } from '../runtime/clock.js';
import { Journal, type JobPriority, type NewJob } from '../storage/sqlite/journal.js';
import type { HoldingGate } from '../storage/sqlite/worker-connection.js';
import { emptyImportReport, readJobBatches, type ImportReport } from './import-files.js';

export type ImportStepRequest =
  | { readonly op: 'open'; readonly importId: string; readonly paths: readonly string[]; readonly batchSize?: number; readonly priority?: JobPriority }
  | { readonly op: 'step'; readonly importId: string; readonly now: number }
  | { readonly op: 'close'; readonly importId: string };

export interface ImportStepOutcome {
  /** Jobs this step created. */
  readonly created: number;
  /** Whether the files are read to the end and journaled: no step is left. */
  readonly done: boolean;
  /** Everything counted so far. */
  readonly report: ImportReport;
}

interface OpenImport {
  readonly batches: AsyncGenerator<NewJob[]>;
  readonly report: ImportReport;
  /** The batch the next step journals, read ahead while the caller waits for room. */
  next: NewJob[] | undefined;
}

/**
 * An import's reading and journaling, on a connection of their own: each step accepts one batch
 * of records into the journal a short transaction at a time, taking turns at the write lock
 * (`Journal.acceptManyHolding`), and reads the next batch from the files. The caller steps when
 * the pipeline has room, so backpressure stays where it was; imports are keyed, and several may
 * be open at once.
 */
export class ImportSteps {
  private readonly clock = new StepClock('the import reader');
  private readonly journal: Journal;
  private readonly open = new Map<string, OpenImport>();

  constructor(db: Database, private readonly holding: HoldingGate) {
    this.journal = new Journal(db, this.clock);
  }

  async run(request: ImportStepRequest): Promise<ImportStepOutcome> {
    switch (request.op) {
      case 'open': {
        if (this.open.has(request.importId)) throw new Error(`import ${request.importId} is open already`);
        const report = emptyImportReport();
        const batches = readJobBatches(request.paths, report, request);
        const next = (await batches.next()).value ?? undefined;
        if (next) this.open.set(request.importId, { batches, report, next });
        return { created: 0, done: !next, report };
      }
      case 'step':
        return this.step(request.importId, request.now);
      case 'close': {
        const running = this.open.get(request.importId);
        this.open.delete(request.importId);
        await running?.batches.return(undefined);
        return { created: 0, done: true, report: running?.report ?? emptyImportReport() };
      }
    }
  }

  private async step(importId: string, now: number): Promise<ImportStepOutcome> {
    const running = this.open.get(importId);
    if (!running?.next) throw new Error(`import ${importId} is not open`);
    const { report } = running;
    this.clock.at(now);
    const jobs = running.next;
    const created = this.journal.acceptManyHolding(jobs, this.holding).filter((r) => r.created).length;
    report.accepted += created;
    report.duplicates += jobs.length - created;
    running.next = (await running.batches.next()).value ?? undefined;
    if (!running.next) this.open.delete(importId);
    return { created, done: !running.next, report };
  }
}
