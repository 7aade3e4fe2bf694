import { expect } from 'chai';
import { join } from 'node:path';
import { IndexWriter } from '../src/pipeline/index-writer.js';
import { localPipelineDepth } from '../src/pipeline/ingestion.js';
import { JOB } from '../src/pipeline/job-kinds.js';
import { ingestJob } from '../src/ingest/import-files.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { searchLexical } from '../src/search/lexical.js';
import { sqlitePath } from '../src/storage/sqlite/database.js';
import { openStore, type Store } from '../src/storage/store.js';
import { tempDataDir } from './support/node-process.js';

function paper(i: number): PaperRecord {
  return {
    id: `2401.${String(i).padStart(5, '0')}`,
    version: 1,
    title: `Sparse routing study number ${i}`,
    abstract: `We study how mixtures of experts route tokens, case ${i}.`,
    authors: [{ name: `Author ${i % 97}`, affiliations: [] }, { name: 'Grace Hopper', affiliations: ['Navy'] }],
    categories: ['cs.LG', 'cs.CL'],
    primaryCategory: 'cs.LG',
    published: '2024-01-01T00:00:00Z',
    updated: '2024-01-01T00:00:00Z',
    source: 'arxiv-api',
  };
}

const states = (store: Store) => Object.fromEntries((store.db.prepare(`SELECT state, count(*) AS n FROM jobs WHERE kind = 'ingest' GROUP BY state`).all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));

describe('index writer: the indexer\'s transactions in a thread of their own', function () {
  this.timeout(120_000);
  let store: Store;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(1_700_000_000_000);
    store = await openStore(join(tempDataDir(), 'data'), clock);
  });

  afterEach(() => store.close());

  it('writes a claimed batch: papers, their follow-on jobs and completions, and fails payloads that are not papers', async () => {
    store.journal.acceptMany([...Array.from({ length: 300 }, (_, i) => ingestJob(paper(i), 1)), { kind: JOB.ingest, dedupKey: 'bad:1', payload: { title: 42 } }, { kind: JOB.ingest, dedupKey: 'bad:2', payload: null }]);
    const outcome = await store.indexWriter.index({ owner: 'test:indexer', batchSize: 500, leaseMs: 60_000, now: clock.now(), fetchPdfs: true, enrich: true });

    expect(outcome).to.include({ claimed: 302, indexed: 300, pdfJobs: 300, enrichJobs: 300 });
    expect(outcome.rejected).to.have.length(2);
    expect(outcome.transactions).to.be.at.least(1);
    // What the thread committed, read on the event loop's own connection.
    expect(store.papers.count()).to.equal(300);
    expect(states(store)).to.deep.equal({ done: 300, failed: 2 });
    expect(store.journal.pendingOf(JOB.enrich)).to.equal(300);
    expect(store.journal.pendingOf(JOB.fetchPdf)).to.equal(300);
    expect(searchLexical(store.db, 'routing study number 7', { limit: 1 }).hits[0]?.id).to.equal('2401.00007');
    // Rows carry the step's time from the node's clock, not the thread's.
    expect(store.db.prepare(`SELECT DISTINCT updated_at FROM jobs WHERE kind = 'ingest' AND state = 'done'`).pluck().all()).to.deep.equal([clock.now()]);
    expect(store.db.prepare('SELECT DISTINCT created_at FROM papers').pluck().all()).to.deep.equal([clock.now()]);

    const again = await store.indexWriter.index({ owner: 'test:indexer', batchSize: 500, leaseMs: 60_000, now: clock.now(), fetchPdfs: true, enrich: true });
    expect(again).to.include({ claimed: 0, indexed: 0 });
  });

  it('a thread that dies mid-batch loses nothing: the rest of the batch is claimed again once its leases run out, and written once', async () => {
    const count = 5_000;
    store.journal.acceptMany(Array.from({ length: count }, (_, i) => ingestJob(paper(i), 1)));
    const leaseMs = 60_000;
    const dying = store.indexWriter.index({ owner: 'test:first', batchSize: count, leaseMs, now: clock.now(), fetchPdfs: false, enrich: false });
    dying.catch(() => undefined);
    // Killed once its first slices are in: the batch is written a transaction at a time.
    for (const end = Date.now() + 60_000; store.papers.count() === 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
    await store.indexWriter.close();
    let failure: unknown;
    await dying.catch((e: unknown) => (failure = e));
    expect(String(failure)).to.match(/closed/);
    const written = store.papers.count();
    expect(written, 'the thread was stopped mid-batch').to.be.greaterThan(0).and.below(count);
    expect(states(store)).to.deep.equal({ done: written, leased: count - written });

    clock.advance(leaseMs + 1);
    const second = new IndexWriter(sqlitePath(store.dataDir), store.writeGate);
    try {
      const outcome = await second.index({ owner: 'test:second', batchSize: count, leaseMs, now: clock.now(), fetchPdfs: false, enrich: false });
      expect(outcome).to.include({ claimed: count - written, indexed: count - written });
    } finally {
      await second.close();
    }
    expect(store.papers.count()).to.equal(count);
    expect(states(store)).to.deep.equal({ done: count });
    // One outbox row per paper: nothing was written twice.
    expect(store.db.prepare('SELECT count(*) AS n, count(DISTINCT paper_id) AS papers FROM outbox').get()).to.deep.equal({ n: count, papers: count });
  });

  it('papers it moves from the journal to the outbox count once in the pipeline\'s depth, however the reads fall beside its commits', async () => {
    const count = 5_000;
    store.journal.acceptMany(Array.from({ length: count }, (_, i) => ingestJob(paper(i), 1)));
    const depth = localPipelineDepth(store);
    expect(depth()).to.equal(count);
    let done = false;
    const indexing = store.indexWriter.index({ owner: 'test:indexer', batchSize: count, leaseMs: 60_000, now: clock.now(), fetchPdfs: false, enrich: false }).finally(() => (done = true));
    const seen = new Set<number>();
    let samples = 0;
    for (const end = Date.now() + 60_000; !done && Date.now() < end; samples++) {
      seen.add(depth());
      await new Promise((r) => setImmediate(r));
    }
    const outcome = await indexing;
    expect(outcome.transactions, 'the batch went in several commits').to.be.greaterThan(1);
    expect(samples).to.be.greaterThan(10);
    expect([...seen]).to.deep.equal([count]);
    expect(store.journal.pendingOf(JOB.ingest)).to.equal(0);
  });
});

