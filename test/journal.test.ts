import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { BadInputError } from '../src/errors.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { JOB_PRIORITY, Journal, type JobPriority } from '../src/storage/sqlite/journal.js';

describe('journal', () => {
  let dir: string;
  let db: Database;
  let clock: ManualClock;
  let journal: Journal;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-'));
    db = openDatabase(path.join(dir, 'paperd.sqlite'));
    clock = new ManualClock(1_000_000);
    journal = new Journal(db, clock, { maxAttempts: 3, stuckGraceMs: 10_000 });
  });

  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const accept = (key: string, priority: JobPriority = JOB_PRIORITY.normal) => journal.accept('ingest', key, { key }, priority);

  it('accepts a dedup key once: the second accept returns the same job and creates nothing', () => {
    const first = accept('arxiv:2401.00001v1');
    const second = accept('arxiv:2401.00001v1');
    expect(first.created).to.equal(true);
    expect(second).to.deep.equal({ id: first.id, created: false });
    expect((db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n).to.equal(1);
    expect(journal.get(first.id)).to.include({ kind: 'ingest', state: 'queued', attempts: 0, priority: 1 });
    expect(journal.get(first.id)!.payload).to.deep.equal({ key: 'arxiv:2401.00001v1' });
  });

  it('a done job still dedups: accepting its key again does not run it twice', () => {
    const { id } = accept('gh:delivery-1');
    journal.claim('w1', 1, 60_000);
    journal.complete(id, 'w1');
    expect(accept('gh:delivery-1').created).to.equal(false);
    expect(journal.claim('w1', 10, 60_000)).to.deep.equal([]);
  });

  it('acceptMany stores a batch in one transaction and reports which keys were new', () => {
    accept('k2');
    const results = journal.acceptMany([
      { kind: 'ingest', dedupKey: 'k1', payload: 1 },
      { kind: 'ingest', dedupKey: 'k2', payload: 2 },
      { kind: 'ingest', dedupKey: 'k1', payload: 3 },
    ]);
    expect(results.map((r) => r.created)).to.deep.equal([true, false, false]);
    expect(results[2]!.id).to.equal(results[0]!.id);
  });

  it('acceptManyInTurn takes a large batch in several transactions, letting the event loop turn between them, and keeps dedup', async () => {
    const jobs = Array.from({ length: 3000 }, (_, i) => ({ kind: 'ingest', dedupKey: `bulk-${i}`, payload: { i, text: 'x'.repeat(200) } }));
    let turned = false;
    setImmediate(() => (turned = true));
    const results = await journal.acceptManyInTurn(jobs);
    expect(turned, 'the event loop turned during the accept').to.equal(true);
    expect(results).to.have.length(3000);
    expect(results.every((r) => r.created)).to.equal(true);
    expect(new Set(results.map((r) => r.id)).size).to.equal(3000);
    const again = await journal.acceptManyInTurn([...jobs.slice(0, 10), { kind: 'ingest', dedupKey: 'bulk-new', payload: {} }]);
    expect(again.filter((r) => r.created)).to.have.length(1);
    expect(again.slice(0, 10).map((r) => r.id)).to.deep.equal(results.slice(0, 10).map((r) => r.id));
  });

  it('a batch with one invalid job stores none of it', () => {
    expect(() =>
      journal.acceptMany([
        { kind: 'ingest', dedupKey: 'ok', payload: null },
        { kind: 'ingest', dedupKey: 'bad', payload: null, priority: 7 as JobPriority },
      ]),
    ).to.throw(BadInputError);
    expect(journal.counts()).to.deep.equal([]);
  });

  it('claims hot before normal before offline, oldest first within a priority', () => {
    const offline = accept('offline', JOB_PRIORITY.offline);
    const normal1 = accept('normal-1', JOB_PRIORITY.normal);
    clock.advance(1);
    const hot = accept('hot', JOB_PRIORITY.hot);
    const normal2 = accept('normal-2', JOB_PRIORITY.normal);
    const claimed = journal.claim('w1', 3, 60_000);
    expect(claimed.map((j) => j.id)).to.deep.equal([hot.id, normal1.id, normal2.id]);
    expect(claimed.every((j) => j.state === 'leased' && j.leaseOwner === 'w1' && j.attempts === 1 && j.leaseUntil === clock.now() + 60_000)).to.equal(true);
    expect(journal.claim('w2', 3, 60_000).map((j) => j.id)).to.deep.equal([offline.id]);
  });

  it('two writers on separate connections never lease the same job', () => {
    for (let i = 0; i < 10; i++) accept(`k${i}`);
    const other = openDatabase(path.join(dir, 'paperd.sqlite'));
    try {
      const second = new Journal(other, clock);
      const a = journal.claim('w1', 4, 60_000).map((j) => j.id);
      const b = second.claim('w2', 10, 60_000).map((j) => j.id);
      expect(a).to.have.length(4);
      expect(b).to.have.length(6);
      expect(a.filter((id) => b.includes(id))).to.deep.equal([]);
    } finally {
      other.close();
    }
  });

  it('a leased job is not claimed again while its lease runs', () => {
    accept('a');
    expect(journal.claim('w1', 10, 60_000)).to.have.length(1);
    clock.advance(59_999);
    expect(journal.claim('w2', 10, 60_000)).to.deep.equal([]);
  });

  it('an expired lease returns the job to another owner; the old owner can no longer complete it', () => {
    const { id } = accept('a');
    journal.claim('crashed', 1, 60_000);
    clock.advance(60_000);
    const [job] = journal.claim('w2', 1, 60_000);
    expect(job).to.include({ id, leaseOwner: 'w2', attempts: 2 });
    expect(journal.complete(id, 'crashed')).to.equal(false);
    expect(journal.complete(id, 'w2')).to.equal(true);
    expect(journal.get(id)).to.include({ state: 'done', leaseOwner: null });
  });

  it('a retryable failure requeues the job with its error, claimable only from retryAt', () => {
    const { id } = accept('a');
    journal.claim('w1', 1, 60_000);
    expect(journal.fail(id, 'w1', new Error('arXiv said 503'), { retryAt: clock.now() + 30_000 })).to.equal(true);
    expect(journal.get(id)).to.include({ state: 'queued', lastError: 'Error: arXiv said 503', notBefore: clock.now() + 30_000 });
    clock.advance(29_999);
    expect(journal.claim('w1', 1, 60_000)).to.deep.equal([]);
    clock.advance(1);
    expect(journal.claim('w1', 1, 60_000).map((j) => [j.id, j.attempts])).to.deep.equal([[id, 2]]);
  });

  it('a permanent failure is recorded as failed and never claimed again', () => {
    const { id } = accept('a');
    journal.claim('w1', 1, 60_000);
    expect(journal.fail(id, 'w1', new TypeError('not a PDF'), { permanent: true })).to.equal(true);
    expect(journal.get(id)).to.include({ state: 'failed', lastError: 'TypeError: not a PDF', leaseOwner: null });
    clock.advance(10 * 60_000);
    expect(journal.claim('w1', 10, 60_000)).to.deep.equal([]);
    expect(journal.counts()).to.deep.equal([{ state: 'failed', priority: 1, count: 1 }]);
  });

  it('a job whose lease expired maxAttempts times is failed instead of leased again', () => {
    const { id } = accept('poison');
    for (let i = 0; i < 3; i++) {
      expect(journal.claim(`w${i}`, 1, 1_000)).to.have.length(1);
      clock.advance(1_000);
    }
    expect(journal.claim('w9', 1, 1_000)).to.deep.equal([]);
    expect(journal.get(id)).to.include({ state: 'failed', attempts: 3 });
    expect(journal.get(id)!.lastError).to.match(/lease expired after 3 attempts/);
  });

  it('release puts an owner’s jobs back at once, leaving other owners’ leases alone', () => {
    accept('a');
    accept('b');
    journal.claim('w1', 1, 60_000);
    journal.claim('w2', 1, 60_000);
    expect(journal.release('w1')).to.equal(1);
    expect(journal.claim('w3', 10, 60_000)).to.have.length(1);
    expect(journal.counts()).to.deep.equal([{ state: 'leased', priority: 1, count: 2 }]);
  });

  it('a stage claims only its own kind, and pendingOf counts that kind alone', () => {
    journal.acceptMany([
      { kind: 'fetch-pdf', dedupKey: 'f1', payload: 1, priority: JOB_PRIORITY.hot },
      { kind: 'ingest', dedupKey: 'i1', payload: 2 },
      { kind: 'ingest', dedupKey: 'i2', payload: 3 },
    ]);
    const ingest = journal.claim('indexer', 10, 1000, clock.now(), 'ingest');
    expect(ingest.map((j) => j.dedupKey)).to.deep.equal(['i1', 'i2']);
    expect(journal.pendingOf('fetch-pdf')).to.equal(1);
    expect(journal.pendingOf('ingest')).to.equal(2);
    expect(journal.claim('fetcher', 10, 1000, clock.now(), 'fetch-pdf').map((j) => j.dedupKey)).to.deep.equal(['f1']);
  });

  it('releaseAll returns every lease at once (a new owner of the data dir recovering a dead one)', () => {
    journal.acceptMany([1, 2, 3].map((n) => ({ kind: 'k', dedupKey: `r${n}`, payload: n })));
    journal.claim('dead-a', 2, 60_000);
    journal.claim('dead-b', 1, 60_000);
    expect(journal.releaseAll()).to.equal(3);
    expect(journal.claim('me', 10, 60_000).map((j) => j.dedupKey)).to.deep.equal(['r1', 'r2', 'r3']);
  });

  it('renew keeps a long job from being taken by another owner', () => {
    const { id } = accept('a');
    journal.claim('w1', 1, 10_000);
    clock.advance(9_000);
    expect(journal.renew(id, 'w1', 10_000)).to.equal(true);
    clock.advance(9_000);
    expect(journal.claim('w2', 1, 10_000)).to.deep.equal([]);
    expect(journal.renew(id, 'w2', 10_000)).to.equal(false);
  });

  it('counts depth by priority and reports stuck leases and overdue retries past the grace', () => {
    accept('hot', 0);
    accept('normal', 1);
    const retried = accept('retried', 1);
    accept('offline', 2);
    expect(journal.depth()).to.equal(4);
    expect(journal.depth(1)).to.equal(2);

    const leased = journal.claim('w1', 1, 5_000)[0]!;
    journal.claim('w2', 10, 60_000);
    journal.fail(retried.id, 'w2', new Error('later'), { retryAt: clock.now() + 1_000 });
    expect(journal.stuck()).to.deep.equal([]);

    // Past the lease (5 s) plus the grace (10 s), with nobody claiming: stuck.
    clock.advance(15_001);
    expect(journal.stuck().map((j) => j.id).sort()).to.deep.equal([leased.id, retried.id].sort());
    expect(journal.stuckCount()).to.equal(2);
  });

  it('a claim reads the jobs it needs through indexes, never the whole table (at 300,000 jobs a scan cost 45 ms a claim)', () => {
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
    // The statements a claim runs: failing exhausted leases, then taking queued and expired jobs of a kind.
    const exhausted = plan(`UPDATE jobs SET state = 'failed' WHERE state = 'leased' AND lease_until <= 1 AND attempts >= 3`);
    expect(exhausted.join(' | ')).to.match(/USING INDEX jobs_leased/);
    expect(exhausted.some((d) => /^SCAN jobs\b/.test(d)), exhausted.join(' | ')).to.equal(false);
    journal.accept('ingest', 'k1', {});
    expect(journal.claim('a', 10, 1000, clock.now(), 'ingest')).to.have.length(1);
  });
});
