import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { handStep } from './support/offline-classes.js';
import { ocrClass, renderPage, tesseractEngine, type OcrEngine } from '../src/ocr/index.js';
import { BlobStore } from '../src/storage/blobs.js';
import { openDatabase, type Database } from '../src/storage/sqlite/database.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';
import { tempDataDir } from './support/node-process.js';
import { ocrToolsPresent, scannedPage, writePdf } from './support/ocr-pdf.js';


const textLines = ['Page one has a real text layer with plenty of letters on it.', 'It speaks of attention, optimisers and learning rates.'];
const scanLines = ['Scanned words', 'transformer benchmark quokka'];


describe('OCR with Tesseract', function () {
  this.timeout(120_000);
  let dir: string;
  let db: Database;
  let papers: PaperStore;
  let blobs: BlobStore;

  before(function () {
    if (!ocrToolsPresent()) this.skip(); // needs Debian's tesseract-ocr, tesseract-ocr-eng and poppler-utils (.ci/run installs them)
  });
  beforeEach(() => {
    dir = tempDataDir();
    db = openDatabase(join(dir, 'paperd.sqlite'));
    papers = new PaperStore(db);
    blobs = new BlobStore(dir);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A paper whose stored PDF had no usable text layer, as the extractor leaves it. */
  async function scannedPaper(id: string, pdf: Buffer): Promise<void> {
    papers.upsertVersion({ id, version: 1, title: `Paper ${id}`, abstract: 'An abstract.', authors: [{ name: 'Ada Example', affiliations: [] }], categories: ['cs.LG'], source: 'arxiv-api' });
    const { sha256 } = await blobs.put(pdf);
    papers.setPdf(id, { status: 'stored', sha256 });
    papers.setBody(id, null, 'needs_ocr');
  }

  it("reads the words of a PDF's image-only page", async () => {
    const pdf = writePdf([{ lines: textLines }, scannedPage(scanLines)]);
    const text = await tesseractEngine()(await renderPage(pdf, 2, new AbortController().signal, 200), new AbortController().signal);
    expect(text.toLowerCase().split(/\s+/)).to.include.members(['scanned', 'words', 'transformer', 'benchmark', 'quokka']);
  });

  it('gives a scanned paper its full text: text-layer pages kept, image pages read, indexed through the outbox', async () => {
    await scannedPaper('2401.00001', writePdf([{ lines: textLines }, scannedPage(scanLines)]));
    const outboxBefore = db.prepare('SELECT count(*) FROM outbox').pluck().get() as number;
    const cls = ocrClass({ db, papers, blobs, engine: tesseractEngine(), dpi: 200 });
    expect(cls.pending().queued).to.equal(1);
    const outcome = await cls.run(handStep({}));
    expect(outcome).to.deep.equal({ done: 1, failed: 0, more: false });
    const paper = papers.get('2401.00001')!;
    expect(paper.textStatus).to.equal('extracted');
    expect(paper.body).to.contain('plenty of letters').and.to.match(/quokka/i);
    expect(db.prepare(`SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'quokka'`).pluck().get()).to.equal(1);
    expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).to.equal(outboxBefore + 1);
    expect(db.prepare('SELECT count(*) FROM paper_chunks WHERE paper_id = ?').pluck().get('2401.00001')).to.be.greaterThan(0);
    expect(cls.pending().queued).to.equal(0);
  });

  it('stops between pages when the scheduler takes the slot back, and resumes at the next page', async () => {
    await scannedPaper('2401.00002', writePdf([scannedPage(['first scanned page']), scannedPage(['second scanned page quokka'])]));
    const pages: number[] = [];
    const inner = tesseractEngine();
    const counting: OcrEngine = async (png, signal) => {
      pages.push(pages.length);
      return inner(png, signal);
    };
    const cls = ocrClass({ db, papers, blobs, engine: counting, dpi: 150 });
    const cursor: { value?: unknown } = {};
    // Two questions: one to take the paper, one for the first page; then the step is over.
    const first = await cls.run(handStep(cursor, 2));
    expect(first).to.deep.include({ done: 0, more: true });
    expect(pages).to.have.length(1);
    expect((cursor.value as { todo: number[] }).todo).to.deep.equal([1]);
    const rest = await cls.run(handStep(cursor));
    expect(rest).to.deep.include({ done: 1 });
    expect(pages, 'the first page was not read twice').to.have.length(2);
    expect(papers.get('2401.00002')!.body).to.match(/first scanned page[\s\S]*second scanned page/i);
  });

  it('records a PDF it cannot read and does not try it again until the PDF changes', async () => {
    await scannedPaper('2401.00003', Buffer.from('%PDF-1.4\nthis is not really a PDF\n%%EOF\n'));
    const cls = ocrClass({ db, papers, blobs, engine: tesseractEngine() });
    const outcome = await cls.run(handStep({}));
    expect(outcome).to.deep.equal({ done: 0, failed: 1, more: false });
    expect(db.prepare('SELECT error FROM ocr_failures WHERE paper_id = ?').pluck().get('2401.00003')).to.match(/PDF/);
    expect(cls.pending().queued).to.equal(0);
  });
});
