import type { Database } from 'better-sqlite3';
import type { JobClass, Step, StepOutcome } from '../job-class.js';

/** What the quality checks found, as `GET /v1/stats` shows it under `quality`. */
export interface QualityReport {
  /** When the checks finished (ISO). */
  readonly checkedAt: string;
  readonly papers: number;
  readonly emptyAbstracts: number;
  readonly emptyTitles: number;
  /** PDFs that could not be fetched or failed validation. */
  readonly brokenPdfs: number;
  /** Scanned PDFs waiting for OCR, and those OCR could not read. */
  readonly needsOcr: number;
  readonly ocrFailed: number;
  /** Enrichments made from an older version than the paper's latest. */
  readonly staleEnrichments: number;
  /** Enrichments the embedded fallback made, waiting for an LLM. */
  readonly fallbackEnrichments: number;
  /** A few ids of each problem, to start looking from. */
  readonly samples: Record<string, string[]>;
}

const REPORT_KEY = 'offline.quality.report';

/** The checks, one query each: a step runs as many as it may, and the partial results are its cursor. */
const CHECKS: Record<string, { count: string; sample?: string }> = {
  papers: { count: 'SELECT count(*) FROM papers' },
  emptyAbstracts: { count: `SELECT count(*) FROM papers WHERE trim(abstract) = ''`, sample: `SELECT id FROM papers WHERE trim(abstract) = '' LIMIT 5` },
  emptyTitles: { count: `SELECT count(*) FROM papers WHERE trim(title) = ''`, sample: `SELECT id FROM papers WHERE trim(title) = '' LIMIT 5` },
  brokenPdfs: { count: `SELECT count(*) FROM papers WHERE pdf_status = 'failed'`, sample: `SELECT id FROM papers WHERE pdf_status = 'failed' LIMIT 5` },
  needsOcr: { count: `SELECT count(*) FROM papers WHERE text_status = 'needs_ocr'` },
  ocrFailed: { count: 'SELECT count(*) FROM ocr_failures', sample: 'SELECT paper_id FROM ocr_failures LIMIT 5' },
  staleEnrichments: {
    count: 'SELECT count(*) FROM paper_enrichments e JOIN papers p ON p.id = e.paper_id WHERE e.version < p.version',
    sample: 'SELECT e.paper_id FROM paper_enrichments e JOIN papers p ON p.id = e.paper_id WHERE e.version < p.version LIMIT 5',
  },
  fallbackEnrichments: { count: `SELECT count(*) FROM paper_enrichments WHERE producer = 'fallback'` },
};

interface QualityCursor {
  readonly at: number;
  readonly partial: Record<string, { count: number; sample?: string[] }>;
}

/**
 * Content quality checks as an offline class: every `everyMs`, counts of empty abstracts and
 * titles, broken PDFs, papers waiting for or failed by OCR, stale and fallback enrichments. They
 * scan whole tables, so they run here, off the online path; `GET /v1/stats` serves the last report
 * (`latestQualityReport`). Units are finished reports.
 */
export function qualityClass(db: Database, options: { everyMs: number; now: () => number; priority?: number }): JobClass {
  const write = db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const due = () => {
    const report = latestQualityReport(db);
    return report === null || options.now() - Date.parse(report.checkedAt) >= options.everyMs;
  };
  return {
    name: 'quality',
    priority: options.priority ?? 40,
    pending: () => (due() ? { queued: 1, remaining: 1 } : { queued: 0, remaining: 0 }),
    async run(step: Step): Promise<StepOutcome> {
      if (!due() && step.cursor.get<QualityCursor>() === undefined) return { done: 0, more: false };
      let cursor = step.cursor.get<QualityCursor>() ?? { at: options.now(), partial: {} };
      for (const [name, check] of Object.entries(CHECKS)) {
        if (name in cursor.partial) continue;
        if (!step.mayContinue()) return { done: 0, more: true };
        const count = db.prepare(check.count).pluck().get() as number;
        const sample = check.sample && count > 0 ? (db.prepare(check.sample).pluck().all() as string[]) : undefined;
        cursor = { ...cursor, partial: { ...cursor.partial, [name]: { count, ...(sample ? { sample } : {}) } } };
        step.cursor.set(cursor);
        await new Promise((r) => setImmediate(r));
      }
      const counts = Object.fromEntries(Object.entries(cursor.partial).map(([k, v]) => [k, v.count]));
      const samples = Object.fromEntries(Object.entries(cursor.partial).flatMap(([k, v]) => (v.sample ? [[k, v.sample]] : [])));
      const report = { checkedAt: new Date(options.now()).toISOString(), ...counts, samples } as QualityReport;
      write.run(REPORT_KEY, JSON.stringify(report));
      step.cursor.set(undefined);
      step.log.info({ ...counts }, 'quality checks done');
      return { done: 1, more: false };
    },
  };
}

/** The last quality report, or null before the first has run. */
export function latestQualityReport(db: Database): QualityReport | null {
  const raw = db.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(REPORT_KEY) as string | undefined;
  return raw === undefined ? null : (JSON.parse(raw) as QualityReport);
}
