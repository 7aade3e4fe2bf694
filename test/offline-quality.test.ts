import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { handStep } from './support/offline-classes.js';
import { latestQualityReport, qualityClass } from '../src/offline/quality/quality-class.js';
import { openDatabase, type Database } from '../src/storage/sqlite/database.js';
import { tempDataDir } from './support/node-process.js';


describe('offline quality checks', () => {
  let dir: string;
  let db: Database;

  beforeEach(() => {
    dir = tempDataDir();
    db = openDatabase(join(dir, 'paperd.sqlite'));
    const paper = db.prepare(`INSERT INTO papers (id, version, title, abstract, source, pdf_status, text_status, created_at, updated_at) VALUES (?, ?, ?, ?, 'arxiv-api', ?, ?, 0, 0)`);
    paper.run('2401.00001', 1, 'Fine', 'A fine abstract.', 'stored', 'extracted');
    paper.run('2401.00002', 1, 'No abstract', '  ', 'pending', 'none');
    paper.run('2401.00003', 2, 'Broken PDF, revised', 'Text.', 'failed', 'none');
    paper.run('2401.00004', 1, 'Scanned', 'Text.', 'stored', 'needs_ocr');
    const enrichment = db.prepare(`INSERT INTO paper_enrichments (paper_id, version, producer, result, created_at, updated_at) VALUES (?, ?, ?, '{}', 0, 0)`);
    enrichment.run('2401.00001', 1, 'llm');
    enrichment.run('2401.00003', 1, 'fallback');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts empty abstracts, broken PDFs, OCR work and stale enrichment, with sample ids, across steps', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const cls = qualityClass(db, { everyMs: 60_000, now: () => now });
    expect(latestQualityReport(db)).to.equal(null);
    expect(cls.pending().queued).to.equal(1);
    const cursor: { value?: unknown } = {};
    expect(await cls.run(handStep(cursor, 3))).to.deep.equal({ done: 0, more: true });
    expect(latestQualityReport(db), 'nothing published from a partial run').to.equal(null);
    expect(await cls.run(handStep(cursor))).to.deep.equal({ done: 1, more: false });
    expect(latestQualityReport(db)).to.deep.equal({
      checkedAt: '2026-01-01T00:00:00.000Z',
      papers: 4,
      emptyAbstracts: 1,
      emptyTitles: 0,
      brokenPdfs: 1,
      needsOcr: 1,
      ocrFailed: 0,
      staleEnrichments: 1,
      fallbackEnrichments: 1,
      samples: { emptyAbstracts: ['2401.00002'], brokenPdfs: ['2401.00003'], staleEnrichments: ['2401.00003'] },
    });
    expect(cls.pending().queued).to.equal(0);
    now += 60_000;
    expect(cls.pending().queued, 'due again after its interval').to.equal(1);
  });
});
