import type { Database } from 'better-sqlite3';
import { describeError } from '../errors.js';
import { chunkText } from '../extractor/chunks.js';
import { extractPdfText } from '../extractor/pdf-text.js';
import type { JobClass, Step, StepOutcome } from '../offline/job-class.js';
import type { BlobStore } from '../storage/blobs.js';
import { PaperChunks } from '../storage/sqlite/chunks.js';
import type { PaperStore } from '../storage/sqlite/papers.js';
import { renderPage, type OcrEngine } from './tesseract.js';

/** A page with fewer letters than this in its text layer is read by OCR. */
const MIN_LETTERS = 40;

/** Where OCR of one paper stands: the class's cursor, so a yield resumes at the next page. */
interface OcrCursor {
  readonly paper: string;
  readonly sha256: string;
  /** Each page's text: from the text layer, or OCR's once done. */
  readonly texts: string[];
  /** 0-based pages still to read. */
  readonly todo: number[];
}

export interface OcrClassDeps {
  readonly db: Database;
  readonly papers: PaperStore;
  readonly blobs: BlobStore;
  readonly engine: OcrEngine;
  /** pdftoppm resolution. */
  readonly dpi?: number;
  readonly priority?: number;
  readonly now?: () => number;
}

/**
 * OCR reprocessing as an offline class: papers whose PDF had no text layer (`needs_ocr`) are read
 * page by page (pdftoppm, then the engine: Tesseract here, a VLM on a GPU node), pages that had a
 * text layer kept as they were. The page reached is the cursor; the finished text becomes the
 * paper's body, which writes an outbox row, so it re-enters the index and the vectors. A PDF OCR
 * cannot read is recorded in `ocr_failures` and not tried again until the paper's PDF changes.
 * Units are papers.
 */
export function ocrClass(deps: OcrClassDeps): JobClass {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const waiting = `FROM papers WHERE text_status = 'needs_ocr' AND pdf_sha256 IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM ocr_failures f WHERE f.paper_id = papers.id AND f.pdf_sha256 = papers.pdf_sha256)`;
  const next = db.prepare(`SELECT id, pdf_sha256 AS sha256 ${waiting} ORDER BY seq LIMIT 1`);
  const count = db.prepare(`SELECT count(*) ${waiting}`).pluck();
  const current = db.prepare('SELECT pdf_sha256 FROM papers WHERE id = ? AND text_status = ?').pluck();
  const recordFailure = db.prepare(
    'INSERT INTO ocr_failures (paper_id, pdf_sha256, error, at) VALUES (?, ?, ?, ?) ON CONFLICT (paper_id) DO UPDATE SET pdf_sha256 = excluded.pdf_sha256, error = excluded.error, at = excluded.at',
  );
  const chunks = new PaperChunks(db);
  const commit = db.transaction((paper: string, text: string) => {
    deps.papers.setBody(paper, text, 'extracted');
    chunks.replace(paper, chunkText(text));
  });

  const start = async (paper: string, sha256: string): Promise<OcrCursor> => {
    const pdf = await extractPdfText(await deps.blobs.read(sha256));
    const todo = pdf.pageTexts.flatMap((t, i) => ((t.match(/\p{L}/gu)?.length ?? 0) < MIN_LETTERS ? [i] : []));
    return { paper, sha256, texts: pdf.pageTexts, todo };
  };

  return {
    name: 'ocr',
    priority: deps.priority ?? 30,
    pending() {
      const n = count.get() as number;
      return { queued: n, remaining: n };
    },
    async run(step: Step): Promise<StepOutcome> {
      let done = 0;
      let failed = 0;
      while (step.mayContinue()) {
        let cursor: OcrCursor | undefined = step.cursor.get<OcrCursor>();
        if (cursor && current.get(cursor.paper, 'needs_ocr') !== cursor.sha256) cursor = undefined;
        if (!cursor) {
          const row = next.get() as { id: string; sha256: string } | undefined;
          if (!row) return { done, failed, more: false };
          cursor = { paper: row.id, sha256: row.sha256, texts: [], todo: [] };
        }
        try {
          if (cursor.texts.length === 0) {
            cursor = await start(cursor.paper, cursor.sha256);
            step.cursor.set(cursor);
          }
          let pdf: Buffer | undefined;
          while (cursor.todo.length > 0 && step.mayContinue()) {
            pdf ??= await deps.blobs.read(cursor.sha256);
            const page: number = cursor.todo[0]!;
            const text = await deps.engine(await renderPage(pdf, page + 1, step.signal, deps.dpi), step.signal);
            cursor = { ...cursor, texts: cursor.texts.map((t: string, i: number): string => (i === page ? text : t)), todo: cursor.todo.slice(1) };
            step.cursor.set(cursor);
          }
          if (cursor.todo.length > 0) return { done, failed, more: true };
          commit(cursor.paper, cursor.texts.filter((t) => t.length > 0).join('\n\n'));
          step.cursor.set(undefined);
          step.log.info({ paper: cursor.paper }, 'scanned PDF read by OCR');
          done++;
        } catch (error) {
          if (step.signal.aborted) return { done, failed, more: true };
          recordFailure.run(cursor.paper, cursor.sha256, `${describeError(error).name}: ${describeError(error).message}`, now());
          step.cursor.set(undefined);
          step.log.warn({ paper: cursor.paper, err: error }, 'OCR failed; the paper is left without full text until its PDF changes');
          failed++;
        }
      }
      return { done, failed, more: (count.get() as number) > 0 };
    },
  };
}
