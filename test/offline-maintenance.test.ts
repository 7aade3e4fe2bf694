import { expect } from 'chai';
import { mkdirSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { blobGc } from '../src/offline/maintenance/blob-gc.js';
import { maintenanceClass } from '../src/offline/maintenance/maintenance-class.js';
import { ftsMerge, incrementalVacuum, walCheckpoint } from '../src/offline/maintenance/sqlite-upkeep.js';
import { openDatabase, type Database } from '../src/storage/sqlite/database.js';
import { tempDataDir } from './support/node-process.js';
import { handStep } from './support/offline-classes.js';

/** Segments in the FTS5 index, read from its structure record (rowid 10): cookie, then varints nLevel, nSegment. */
function ftsSegments(db: Database): number {
  const block = db.prepare('SELECT block FROM papers_fts_data WHERE id = 10').pluck().get() as Buffer;
  let at = 4;
  const varint = () => {
    let v = 0;
    for (;;) {
      const b = block[at++]!;
      v = v * 128 + (b & 0x7f);
      if (b < 0x80) return v;
    }
  };
  varint();
  return varint();
}

describe('offline maintenance', function () {
  let dir: string;
  let db: Database;

  beforeEach(() => {
    dir = tempDataDir();
    db = openDatabase(join(dir, 'paperd.sqlite'));
    // Many small transactions leave many FTS segments, as a trickle of online writes does.
    db.exec('INSERT INTO papers_fts (papers_fts, rank) VALUES (\'automerge\', 0)');
    const insert = db.prepare(`INSERT INTO papers (id, version, title, abstract, source, created_at, updated_at) VALUES (?, 1, ?, ?, 'arxiv', 0, 0)`);
    for (let i = 0; i < 40; i++) insert.run(`2401.${String(i).padStart(5, '0')}`, `paper ${i} about transformers`, `abstract ${i} words`);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('merges the FTS index into one segment in bounded pieces, and search finds the same papers', async () => {
    expect(ftsSegments(db)).to.be.greaterThan(5);
    const task = ftsMerge(db, 'papers_fts', 60_000, 1);
    const first = await task.run(handStep({}, 1));
    // One merge, then the step was over: the task is not finished and says so.
    expect(first).to.deep.equal({ finished: false, detail: { merges: 1 } });
    const rest = await task.run(handStep({}));
    expect(rest.finished).to.equal(true);
    expect(ftsSegments(db)).to.equal(1);
    expect(db.prepare(`SELECT count(*) FROM papers_fts WHERE papers_fts MATCH 'transformers'`).pluck().get()).to.equal(40);
    db.prepare(`INSERT INTO papers_fts (papers_fts, rank) VALUES ('integrity-check', 1)`).run();
  });

  it('checkpoints the WAL, and skips incremental vacuum on a store not made for it', async () => {
    const wal = await walCheckpoint(db, 1).run(handStep({}));
    expect(wal.finished).to.equal(true);
    expect(wal.detail).to.have.property('checkpointed').that.is.a('number');
    const vacuum = await incrementalVacuum(db, 1).run(handStep({}));
    expect(vacuum.detail).to.deep.equal({ skipped: 'auto_vacuum is not INCREMENTAL' });
  });

  it('frees pages with incremental vacuum where auto_vacuum is INCREMENTAL', async () => {
    const file = join(dir, 'inc.sqlite');
    const inc = openDatabase(file, { migrations: [] });
    try {
      inc.pragma('auto_vacuum = INCREMENTAL');
      inc.exec('VACUUM; CREATE TABLE t (x BLOB)');
      const put = inc.prepare('INSERT INTO t VALUES (randomblob(4000))');
      for (let i = 0; i < 300; i++) put.run();
      inc.exec('DELETE FROM t');
      expect(inc.pragma('freelist_count', { simple: true })).to.be.greaterThan(100);
      const result = await incrementalVacuum(inc, 1, 50).run(handStep({}));
      expect(result.finished).to.equal(true);
      expect(inc.pragma('freelist_count', { simple: true })).to.equal(0);
    } finally {
      inc.close();
    }
  });

  it('collects blobs nothing refers to once they are past the grace period, and keeps the rest', async () => {
    const root = join(dir, 'blobs');
    const blob = (text: string, ageMs: number) => {
      const sha = createHash('sha256').update(text).digest('hex');
      const d = join(root, sha.slice(0, 2), sha.slice(2, 4));
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, sha), text);
      const t = (Date.now() - ageMs) / 1000;
      utimesSync(join(d, sha), t, t);
      return join(d, sha);
    };
    const day = 24 * 3_600_000;
    const orphan = blob('orphan', 2 * day);
    const fresh = blob('fresh', 1_000);
    const pdf = blob('pdf', 2 * day);
    db.prepare('UPDATE papers SET pdf_sha256 = ? WHERE id = ?').run(createHash('sha256').update('pdf').digest('hex'), '2401.00001');
    const result = await blobGc(db, root, 1, day).run(handStep({}));
    expect(result).to.deep.include({ finished: true, detail: { deleted: 1 } });
    expect(existsSync(orphan)).to.equal(false);
    expect(existsSync(fresh)).to.equal(true);
    expect(existsSync(pdf)).to.equal(true);
  });

  it('runs each task when due and remembers when it ran in its cursor', async () => {
    const runs: string[] = [];
    const task = (name: string, everyMs: number) => ({ name, everyMs, run: async () => (runs.push(name), { finished: true }) });
    const cursor: { value?: unknown } = {};
    let now = 1_000_000;
    const cls = maintenanceClass([task('often', 10), task('rarely', 1_000)], { now: () => now, lastOf: () => cursor.value as never });
    expect(cls.pending().queued).to.equal(2);
    expect(await cls.run(handStep(cursor))).to.deep.equal({ done: 2, more: false });
    expect(cls.pending().queued).to.equal(0);
    now += 20;
    expect(cls.pending().queued).to.equal(1);
    await cls.run(handStep(cursor));
    expect(runs).to.deep.equal(['often', 'rarely', 'often']);
  });
});
