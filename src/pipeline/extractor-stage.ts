import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Stage } from '../actors/pulling-stage.js';
import { chunkText } from '../extractor/chunks.js';
import { extractPdfText } from '../extractor/pdf-text.js';
import { PaperChunks } from '../storage/sqlite/chunks.js';
import type { Clock } from '../runtime/clock.js';
import type { BlobStore } from '../storage/blobs.js';
import type { Journal } from '../storage/sqlite/journal.js';
import type { PaperStore } from '../storage/sqlite/papers.js';
import { JOB, type ExtractPayload } from './job-kinds.js';

export interface ExtractorOptions {
  readonly db: Database;
  readonly journal: Journal;
  readonly papers: PaperStore;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly owner: string;
  readonly leaseMs: number;
  readonly committed: () => void;
}

/**
 * The extractor: reads a stored PDF's text layer into the paper's body (indexed by FTS5 and, via
 * the outbox, re-embedded). A PDF without a text layer marks the paper `needs_ocr` for the
 * offline system; one pdf.js cannot read fails its job for good, with the reason.
 */
export function extractorStage(options: ExtractorOptions): Stage {
  const { db, journal, papers, owner } = options;
  let extracted = 0;
  let needsOcr = 0;
  let failed = 0;

  const chunks = new PaperChunks(db);
  const commit = db.transaction((jobId: number, id: string, text: string | null, status: 'extracted' | 'needs_ocr') => {
    if (papers.get(id)) {
      papers.setBody(id, text, status);
      chunks.replace(id, text ? chunkText(text) : []);
    }
    journal.complete(jobId, owner);
  });

  return {
    async step() {
      const [job] = journal.claim(owner, 1, options.leaseMs, options.clock.now(), JOB.extract);
      if (!job) return 0;
      const payload = job.payload as ExtractPayload;
      try {
        const pdf = await extractPdfText(await options.blobs.read(payload.sha256));
        commit(job.id, payload.id, pdf.hasTextLayer ? pdf.text : null, pdf.hasTextLayer ? 'extracted' : 'needs_ocr');
        if (pdf.hasTextLayer) extracted++;
        else needsOcr++;
        options.committed();
      } catch (error) {
        failed++;
        journal.fail(job.id, owner, error, { permanent: true });
        options.log.warn({ paper: payload.id, err: error }, 'text extraction failed');
      }
      return 1;
    },
    close() {
      journal.release(owner);
    },
    summary: () => ({ extracted, needsOcr, failed }),
  };
}
