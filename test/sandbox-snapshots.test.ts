import { expect } from 'chai';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { StoreSnapshots } from '../src/sandbox/store-snapshot.js';
import { sandboxDataDir } from './support/sandbox-fixtures.js';

describe('store snapshots for sandbox runs', function () {
  this.timeout(60_000);
  let dataDir: string;
  let now = 1_000_000;
  let snapshots: StoreSnapshots;

  const open = (maxAgeMs: number, vectors = true) =>
    new StoreSnapshots(
      { sqliteFile: path.join(dataDir, 'paperd.sqlite'), lancedbDir: path.join(dataDir, 'lancedb'), vectorTable: 'papers', vectors, maxAgeMs },
      path.join(dataDir, 'sandbox', 'snapshots'),
      () => now,
    );
  const retitle = (title: string) => {
    const db = new Database(path.join(dataDir, 'paperd.sqlite'));
    db.prepare(`UPDATE papers SET title = ? WHERE id = '2301.00002'`).run(title);
    db.close();
  };

  before(async () => {
    dataDir = await sandboxDataDir(25);
  });

  afterEach(async () => {
    await snapshots?.close();
  });

  after(() => {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds the papers’ tables only, in a file runs can open immutable, and every vector with its id', async () => {
    snapshots = open(0);
    await snapshots.clean();
    const snap = await snapshots.acquire();
    const db = new Database(path.join(snap.dir, 'paperd.sqlite'), { readonly: true });
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'papers_fts%'`).pluck().all() as string[];
    expect(tables).to.include.members(['papers', 'paper_versions', 'authors']);
    expect(tables.filter((t) => /^(api_keys|jobs|job_payloads|outbox|sync_state|restart_log|sandbox_runs)$/.test(t))).to.deep.equal([]);
    expect(db.pragma('journal_mode', { simple: true })).to.equal('delete');
    expect(db.prepare('SELECT count(*) FROM papers').pluck().get()).to.equal(25);
    db.close();
    const meta = JSON.parse(fs.readFileSync(path.join(snap.dir, 'vectors', 'papers.json'), 'utf8')) as { count: number; dimensions: number; ids: string[] };
    expect(meta.count).to.equal(25);
    expect(new Set(meta.ids).size).to.equal(25);
    expect(fs.statSync(path.join(snap.dir, 'vectors', 'papers.f32')).size).to.equal(25 * meta.dimensions * 4);
    expect(fs.statSync(path.join(snap.dir, 'paperd.sqlite')).mode & 0o777).to.equal(0o444);
    snapshots.release(snap);
  });

  it('is reused while the stores do not change, and made again when they do', async () => {
    snapshots = open(0, false);
    await snapshots.clean();
    const first = await snapshots.acquire();
    const again = await snapshots.acquire();
    expect(again.dir).to.equal(first.dir);
    retitle('changed once');
    const next = await snapshots.acquire();
    expect(next.dir).to.not.equal(first.dir);
    // Held by two runs: the old one stays until both let go, then it is deleted.
    await snapshots.release(first);
    expect(fs.existsSync(first.dir)).to.equal(true);
    await snapshots.release(again);
    expect(fs.existsSync(first.dir)).to.equal(false);
    expect(await snapshots.isCurrent(next)).to.equal(true);
    snapshots.release(next);
  });

  it('with a maximum age, a young snapshot serves runs even after the stores changed; an old one does not', async () => {
    snapshots = open(10_000, false);
    await snapshots.clean();
    const first = await snapshots.acquire();
    retitle('changed twice');
    now += 5_000;
    const young = await snapshots.acquire();
    expect(young.dir).to.equal(first.dir);
    expect(await snapshots.isCurrent(first)).to.equal(true);
    now += 6_000;
    expect(await snapshots.isCurrent(first)).to.equal(false);
    const fresh = await snapshots.acquire();
    expect(fresh.dir).to.not.equal(first.dir);
    const db = new Database(path.join(fresh.dir, 'paperd.sqlite'), { readonly: true });
    expect(db.prepare(`SELECT title FROM papers WHERE id = '2301.00002'`).pluck().get()).to.equal('changed twice');
    db.close();
    for (const s of [first, young, fresh]) snapshots.release(s);
  });

  it('leaves nothing behind when closed', async () => {
    snapshots = open(0, false);
    await snapshots.clean();
    const snap = await snapshots.acquire();
    snapshots.release(snap);
    await snapshots.close();
    expect(fs.existsSync(path.join(dataDir, 'sandbox', 'snapshots'))).to.equal(false);
  });
});
