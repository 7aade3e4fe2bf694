import { expect } from 'chai';
import type { Database } from 'better-sqlite3';
import { join } from 'node:path';
import { storeCounts } from '../src/papers/stats.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { Journal } from '../src/storage/sqlite/journal.js';
import { migrations } from '../src/storage/sqlite/migrations.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';
import { tempDataDir } from './support/node-process.js';

function paper(id: string, version = 1, authors = ['Ada Example', 'Bo Sample']): PaperRecord {
  return { id, version, title: `Paper ${id} v${version}`, abstract: `About ${id}.`, authors: authors.map((name) => ({ name, affiliations: [] })), categories: ['cs.LG'], source: 'arxiv-api' };
}

/** The counts as COUNT(*) reads them from the rows themselves. */
function counted(db: Database) {
  const one = (sql: string) => (db.prepare(sql).pluck().get() as number);
  const jobs = Object.fromEntries((db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
  return {
    papers: one('SELECT count(*) FROM papers'),
    versions: one('SELECT count(*) FROM paper_versions'),
    authors: one('SELECT count(*) FROM authors'),
    withFullText: one(`SELECT count(*) FROM papers WHERE text_status = 'extracted'`),
    withCode: one('SELECT count(*) FROM papers WHERE has_code <> 0'),
    jobs,
  };
}

function kept(db: Database) {
  const { lastAnnouncement: _, ...counts } = storeCounts(db, ['cs.LG']);
  return counts;
}

/** Job counts as `kind/state/priority: n` lines, sorted, from a query that yields those columns. */
function jobLines(db: Database, sql: string): string[] {
  return (db.prepare(sql).all() as { kind: string; state: string; priority: number; n: number }[]).map((r) => `${r.kind}/${r.state}/${r.priority}: ${r.n}`).sort();
}

/** Jobs by kind, state and priority as GROUP BY reads them from the rows themselves. */
const jobsCounted = (db: Database) => jobLines(db, 'SELECT kind, state, priority, count(*) AS n FROM jobs GROUP BY kind, state, priority');
/** The same, as the schema's triggers keep them. */
const jobsKept = (db: Database) => jobLines(db, 'SELECT kind, state, priority, n FROM job_counts WHERE n > 0');

describe('store counts kept by triggers (GET /v1/stats)', () => {
  it('agree with COUNT(*) through inserts, new versions, bodies, code links, job state changes and deletes', () => {
    const db = openDatabase(join(tempDataDir(), 'paperd.sqlite'));
    const clock = new ManualClock(1_000);
    const papers = new PaperStore(db, clock);
    const journal = new Journal(db, clock);
    expect(kept(db)).to.deep.equal({ papers: 0, versions: 0, authors: 0, withFullText: 0, withCode: 0, jobs: {} });

    papers.upsertMany([paper('2401.00001'), paper('2401.00002'), paper('2401.00003', 1, ['Cy Third'])]);
    papers.upsertVersion(paper('2401.00001', 2, ['Ada Example', 'Dee Fourth']));
    // The same version again changes nothing.
    papers.upsertVersion(paper('2401.00002'));
    papers.setBody('2401.00001', 'Full text.', 'extracted');
    papers.setBody('2401.00002', null, 'needs_ocr');
    papers.setBody('2401.00002', 'Read by OCR.', 'extracted');
    papers.setBody('2401.00002', 'Read again.', 'extracted');
    db.prepare(`INSERT INTO graph_edges (from_id, kind, to_id, source, at) VALUES ('paper:2401.00003', 'has_code', 'repo:a/b', 'test', 1)`).run();
    const accepted = journal.acceptMany(Array.from({ length: 6 }, (_, i) => ({ kind: 'ingest', dedupKey: `k${i}`, payload: { i } })));
    expect(accepted.filter((a) => a.created)).to.have.length(6);
    const claimed = journal.claim('w', 4, 60_000);
    journal.complete(claimed[0]!.id, 'w');
    journal.completeMany([claimed[1]!.id], 'w');
    journal.fail(claimed[2]!.id, 'w', new Error('boom'), { retryAt: 5_000 });
    journal.fail(claimed[3]!.id, 'w', new Error('boom'), { permanent: true });
    expect(kept(db)).to.deep.equal(counted(db));
    expect(kept(db)).to.deep.include({ papers: 3, versions: 4, authors: 4, withFullText: 2, withCode: 1 });
    expect(kept(db).jobs).to.deep.equal({ queued: 3, done: 2, failed: 1 });

    // A delete cascades to the paper's versions; back to none without a body.
    expect(papers.delete('2401.00001')).to.equal(true);
    papers.setBody('2401.00002', null, 'none');
    db.prepare('DELETE FROM jobs WHERE state = ?').run('done');
    expect(kept(db)).to.deep.equal(counted(db));
    expect(kept(db)).to.deep.include({ papers: 2, versions: 2, withFullText: 0, withCode: 1 });
    db.close();
  });

  it('keep jobs by kind, state and priority as GROUP BY counts them, for /metrics and the journal', () => {
    const db = openDatabase(join(tempDataDir(), 'paperd.sqlite'));
    const journal = new Journal(db, new ManualClock(1_000));
    journal.acceptMany(Array.from({ length: 5 }, (_, i) => ({ kind: 'ingest', dedupKey: `i${i}`, payload: { i } })));
    journal.acceptMany(Array.from({ length: 3 }, (_, i) => ({ kind: 'enrich', dedupKey: `e${i}`, payload: { i }, priority: 2 as const })));
    const claimed = journal.claim('w', 3, 60_000, undefined, 'ingest');
    journal.complete(claimed[0]!.id, 'w');
    journal.fail(claimed[1]!.id, 'w', new Error('boom'), { permanent: true });
    db.prepare(`UPDATE jobs SET priority = 0 WHERE dedup_key = 'i4'`).run();
    db.prepare(`DELETE FROM jobs WHERE dedup_key = 'e0'`).run();
    expect(jobsKept(db)).to.deep.equal(jobsCounted(db));
    expect(jobsKept(db)).to.deep.equal(['enrich/queued/2: 2', 'ingest/done/1: 1', 'ingest/failed/1: 1', 'ingest/leased/1: 1', 'ingest/queued/0: 1', 'ingest/queued/1: 1']);
    expect(journal.counts()).to.deep.equal([
      { state: 'done', priority: 1, count: 1 },
      { state: 'failed', priority: 1, count: 1 },
      { state: 'leased', priority: 1, count: 1 },
      { state: 'queued', priority: 0, count: 1 },
      { state: 'queued', priority: 1, count: 1 },
      { state: 'queued', priority: 2, count: 2 },
    ]);
    db.close();
  });

  it('start from the rows already there when a store is migrated', () => {
    const file = join(tempDataDir(), 'paperd.sqlite');
    const before = openDatabase(file, { migrations: migrations.filter((m) => m.name !== 'store_counts' && m.name !== 'job_counts') });
    new PaperStore(before, new ManualClock(1_000)).upsertMany([paper('2401.00001'), paper('2401.00002', 1, ['Cy Third'])]);
    new Journal(before, new ManualClock(1_000)).accept('ingest', 'k', {});
    expect(() => before.prepare('SELECT 1 FROM store_counts').get()).to.throw(/no such table/);
    before.close();
    const after = openDatabase(file);
    expect(kept(after)).to.deep.equal(counted(after));
    expect(jobsKept(after)).to.deep.equal(['ingest/queued/1: 1']);
    expect(kept(after)).to.deep.include({ papers: 2, versions: 2, authors: 3, jobs: { queued: 1 } });
    after.close();
  });
});
