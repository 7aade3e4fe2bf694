import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../src/errors.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { Outbox } from '../src/storage/sqlite/outbox.js';
import { LEXICAL_BM25_WEIGHTS, searchLexical } from '../src/search/lexical.js';

/** Ids of the papers FTS5 finds for the words, best first. */
const matchPapers = (db: Database, words: string[]) => searchLexical(db, words.join(' '), { snippets: false, facets: false }).hits.map((h) => ({ id: h.id }));
import { PaperStore } from '../src/storage/sqlite/papers.js';

function paper(overrides: Partial<PaperRecord> = {}): PaperRecord {
  return {
    id: '2401.00001',
    version: 1,
    title: 'A study of sparse attention',
    abstract: 'We study sparse attention in transformers.',
    authors: [{ name: 'Ada Lovelace', affiliations: ['Analytical Engines'] }],
    categories: ['cs.LG', 'cs.CL'],
    primaryCategory: 'cs.LG',
    published: '2024-01-01T00:00:00Z',
    updated: '2024-01-01T00:00:00Z',
    source: 'arxiv-api',
    ...overrides,
  };
}

describe('paper store', () => {
  let dir: string;
  let db: Database;
  let clock: ManualClock;
  let store: PaperStore;
  const outboxRows = () => new Outbox(db).after(0, 1_000_000);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    clock = new ManualClock(1_700_000_000_000);
    store = new PaperStore(db, clock);
  });

  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('inserts a new paper with its authors, categories, first version and one outbox row', () => {
    expect(store.upsertVersion(paper())).to.equal('inserted');
    const stored = store.get('2401.00001')!;
    expect(stored).to.include({ version: 1, title: 'A study of sparse attention', primaryCategory: 'cs.LG', pdfStatus: 'pending', textStatus: 'none', hasCode: false });
    expect(stored.authors).to.deep.equal([{ name: 'Ada Lovelace', affiliations: ['Analytical Engines'] }]);
    expect(store.versions('2401.00001').map((v) => v.version)).to.deep.equal([1]);
    expect(db.prepare('SELECT category, is_primary FROM paper_categories ORDER BY category').all()).to.deep.equal([
      { category: 'cs.CL', is_primary: 0 },
      { category: 'cs.LG', is_primary: 1 },
    ]);
    expect(outboxRows().map((r) => [r.paperId, r.op])).to.deep.equal([['2401.00001', 'upsert']]);
  });

  it('a new version updates the paper, keeps the older version in the history, and asks for its PDF again', () => {
    store.upsertVersion(paper());
    store.setPdf('2401.00001', { status: 'stored', sha256: 'cd'.repeat(32) });
    clock.advance(1000);
    expect(store.upsertVersion(paper({ version: 2, title: 'Sparse attention, revisited', updated: '2024-02-01T00:00:00Z' }))).to.equal('updated');
    const stored = store.get('2401.00001')!;
    expect(stored).to.include({ version: 2, title: 'Sparse attention, revisited', updated: '2024-02-01T00:00:00Z', pdfStatus: 'pending' });
    expect(stored.updatedAt).to.equal(clock.now());
    expect(store.versions('2401.00001').map((v) => [v.version, v.title])).to.deep.equal([
      [1, 'A study of sparse attention'],
      [2, 'Sparse attention, revisited'],
    ]);
    expect(outboxRows()).to.have.length(2);
  });

  it('an older version arriving late joins the history without overwriting the newer paper', () => {
    store.upsertVersion(paper({ version: 3, title: 'Third take' }));
    const before = store.get('2401.00001')!;
    clock.advance(1000);
    expect(store.upsertVersion(paper({ version: 1, title: 'First take' }))).to.equal('history');
    expect(store.get('2401.00001')).to.deep.equal(before);
    expect(store.versions('2401.00001').map((v) => v.version)).to.deep.equal([1, 3]);
    expect(outboxRows()).to.have.length(1);
  });

  it('re-importing the same 100 records writes no outbox row and changes nothing', () => {
    const records = Array.from({ length: 100 }, (_, i) => paper({ id: `2401.${String(i).padStart(5, '0')}`, title: `Paper number ${i}` }));
    expect(store.upsertMany(records)).to.deep.equal({ inserted: 100, updated: 0, history: 0, unchanged: 0 });
    const snapshot = db.prepare('SELECT * FROM papers ORDER BY id').all();
    const outboxBefore = outboxRows().length;
    clock.advance(60_000);

    // Same content, fields in another order and an explicit undefined, as another parser might build it.
    const reordered = records.map(({ id, version, source, ...rest }) => ({ source, ...rest, doi: undefined, version, id }));
    expect(store.upsertMany(reordered)).to.deep.equal({ inserted: 0, updated: 0, history: 0, unchanged: 100 });
    expect(outboxRows()).to.have.length(outboxBefore);
    expect(db.prepare('SELECT * FROM papers ORDER BY id').all()).to.deep.equal(snapshot);
  });

  it('the same version from another listing changes only the history when the paper shows nothing new', () => {
    store.upsertVersion(paper());
    const before = store.get('2401.00001');
    clock.advance(1000);
    expect(store.upsertVersion(paper({ announceType: 'new' }))).to.equal('history');
    expect(store.get('2401.00001')).to.deep.equal(before);
    expect(store.versions('2401.00001')[0]!.record.announceType).to.equal('new');
    expect(outboxRows()).to.have.length(1);
  });

  it('a sparser record of the same version adds what it knows and erases nothing', () => {
    store.upsertVersion(paper({ doi: '10.1000/xyz', journalRef: 'JMLR 25' }));
    expect(store.upsertVersion(paper({ source: 'arxiv-listing', authors: [], comment: '12 pages' }))).to.equal('updated');
    expect(store.get('2401.00001')).to.include({ doi: '10.1000/xyz', journalRef: 'JMLR 25', comment: '12 pages', source: 'arxiv-listing' });
    expect(store.get('2401.00001')!.authors).to.have.length(1);
    expect(store.versions('2401.00001')).to.have.length(1);
  });

  it('a new version replaces the author list, reusing author rows by normalised name', () => {
    store.upsertVersion(paper({ id: 'a', authors: [{ name: 'José García', affiliations: [] }] }));
    store.upsertVersion(paper({ id: 'b', authors: [{ name: 'Jose  Garcia', affiliations: [] }] }));
    store.upsertVersion(paper({ id: 'a', version: 2, authors: [{ name: 'Grace Hopper', affiliations: [] }, { name: 'José García', affiliations: [] }] }));
    expect((db.prepare('SELECT count(*) AS n FROM authors').get() as { n: number }).n).to.equal(2);
    const rows = db.prepare(`SELECT a.name, pa.position FROM paper_authors pa JOIN authors a ON a.key = pa.author_key WHERE pa.paper_id = 'a' ORDER BY pa.position`).all();
    expect(rows).to.deep.equal([
      { name: 'Grace Hopper', position: 0 },
      { name: 'José García', position: 1 },
    ]);
  });

  it('FTS finds a paper by a stemmed title word, and stops finding the old title after an update', () => {
    store.upsertVersion(paper({ title: 'Graph neural networks for molecules', abstract: 'Message passing.' }));
    expect(matchPapers(db, ['network']).map((h) => h.id)).to.deep.equal(['2401.00001']);
    store.upsertVersion(paper({ version: 2, title: 'Diffusion models for molecules', abstract: 'Denoising.' }));
    expect(matchPapers(db, ['network'])).to.deep.equal([]);
    expect(matchPapers(db, ['diffusion']).map((h) => h.id)).to.deep.equal(['2401.00001']);
  });

  it('FTS ranks a title match above an abstract match (title weighted above abstract)', () => {
    expect(LEXICAL_BM25_WEIGHTS.title).to.be.greaterThan(LEXICAL_BM25_WEIGHTS.abstract).and.greaterThan(LEXICAL_BM25_WEIGHTS.body);
    store.upsertVersion(paper({ id: 'in-abstract', title: 'Scaling laws', abstract: 'We revisit quantization of language models.' }));
    store.upsertVersion(paper({ id: 'in-title', title: 'Quantization of language models', abstract: 'We revisit scaling laws.' }));
    expect(matchPapers(db, ['quantization']).map((h) => h.id)).to.deep.equal(['in-title', 'in-abstract']);
  });

  it('setBody indexes the full text and writes an outbox row only when the body changes', () => {
    store.upsertVersion(paper());
    const rows = outboxRows().length;
    expect(store.setBody('2401.00001', 'The appendix discusses kangaroos.', 'extracted')).to.equal(true);
    expect(matchPapers(db, ['kangaroo']).map((h) => h.id)).to.deep.equal(['2401.00001']);
    expect(outboxRows()).to.have.length(rows + 1);
    expect(store.setBody('2401.00001', 'The appendix discusses kangaroos.', 'extracted')).to.equal(false);
    expect(outboxRows()).to.have.length(rows + 1);
    expect(() => store.setBody('missing', 'x', 'extracted')).to.throw(NotFoundError);
  });

  it('setPdf records the outcome, keeps the hash when a later status omits it, and writes no outbox row', () => {
    store.upsertVersion(paper());
    const rows = outboxRows().length;
    expect(store.setPdf('2401.00001', { status: 'stored', sha256: 'ab'.repeat(32) })).to.equal(true);
    expect(store.setPdf('2401.00001', { status: 'stored', sha256: 'ab'.repeat(32) })).to.equal(false);
    expect(store.setPdf('2401.00001', { status: 'failed', error: 'NotAPdfError: html' })).to.equal(true);
    expect(store.get('2401.00001')).to.include({ pdfStatus: 'failed', pdfSha256: 'ab'.repeat(32), pdfError: 'NotAPdfError: html' });
    expect(outboxRows()).to.have.length(rows);
  });

  it('delete removes the paper, its history and its FTS entry, and writes a delete outbox row', () => {
    store.upsertVersion(paper({ title: 'Graph neural networks' }));
    expect(store.delete('2401.00001')).to.equal(true);
    expect(store.get('2401.00001')).to.equal(undefined);
    expect(store.versions('2401.00001')).to.deep.equal([]);
    expect(matchPapers(db, ['network'])).to.deep.equal([]);
    expect(outboxRows().at(-1)).to.include({ paperId: '2401.00001', op: 'delete' });
    expect(store.delete('2401.00001')).to.equal(false);
  });

  it('upsertMany stores a batch of thousands of records (throughput printed)', () => {
    const records = Array.from({ length: 20_000 }, (_, i) =>
      paper({
        id: `2402.${String(i).padStart(5, '0')}`,
        title: `On the convergence of method ${i} for deep networks`,
        abstract: `We analyse variant ${i} of stochastic gradient descent and prove convergence under smoothness assumptions. `.repeat(4),
        authors: [0, 1, 2, 3].map((k) => ({ name: `Author ${(i * 7 + k) % 5000}`, affiliations: [] })),
      }),
    );
    const started = process.hrtime.bigint();
    const counts = store.upsertMany(records);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`      upsertMany: ${records.length} records in ${ms.toFixed(0)} ms (${Math.round(records.length / (ms / 1000))} rows/s)`);
    expect(counts.inserted).to.equal(20_000);
    expect(store.count()).to.equal(20_000);
  });
});
