import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { StoreFromNewerVersionError } from '../src/errors.js';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { migrations } from '../src/storage/sqlite/migrations.js';
import { runCli, tempDataDir } from './support/node-process.js';

const codeVersion = Math.max(...migrations.map((m) => m.version));

/** A data dir whose store claims a schema version this code has never heard of. */
function storeFromTheFuture(): { dataDir: string; futureVersion: number } {
  const dataDir = tempDataDir();
  const db = openDatabase(sqlitePath(dataDir));
  const futureVersion = codeVersion + 7;
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(futureVersion, 'from_a_newer_paperd', Date.now());
  db.close();
  return { dataDir, futureVersion };
}

describe('schema migrations: forward only, never on a store from a newer paperd', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('applies every migration once, in order, and nothing on the next open', () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const first = openDatabase(sqlitePath(dataDir));
    const versions = (first.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);
    expect(versions).to.deep.equal(migrations.map((m) => m.version).sort((a, b) => a - b));
    const appliedAt = first.prepare('SELECT max(applied_at) AS at FROM schema_migrations').get() as { at: number };
    first.close();
    const second = openDatabase(sqlitePath(dataDir));
    expect(second.prepare('SELECT max(applied_at) AS at FROM schema_migrations').get()).to.deep.equal(appliedAt);
    second.close();
  });

  it('refuses a store with a newer schema version, naming both versions, and leaves it as it was', () => {
    const { dataDir, futureVersion } = storeFromTheFuture();
    dirs.push(dataDir);
    let caught: unknown;
    try {
      openDatabase(sqlitePath(dataDir));
    } catch (error) {
      caught = error;
    }
    expect(caught).to.be.instanceOf(StoreFromNewerVersionError);
    const error = caught as StoreFromNewerVersionError;
    expect(error.code).to.equal('PAPERD_STORE_FROM_NEWER_VERSION');
    expect(error.storeVersion).to.equal(futureVersion);
    expect(error.codeVersion).to.equal(codeVersion);
    expect(error.message).to.include(`schema version ${futureVersion}`).and.include(`the ${codeVersion} this paperd knows`);
    const reader = openDatabase(sqlitePath(dataDir), { readonly: true });
    const rows = reader.prepare('SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1').get() as { version: number };
    reader.close();
    expect(rows.version).to.equal(futureVersion);
  });

  it('refuses a store with only some migrations applied but a newer one among them, before applying any', () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const db = openDatabase(sqlitePath(dataDir), { migrations: migrations.filter((m) => m.version <= 2) });
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(codeVersion + 1, 'newer', Date.now());
    db.close();
    expect(() => openDatabase(sqlitePath(dataDir))).to.throw(StoreFromNewerVersionError);
    const reader = openDatabase(sqlitePath(dataDir), { readonly: true });
    const count = reader.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number };
    reader.close();
    expect(count.n).to.equal(migrations.filter((m) => m.version <= 2).length + 1);
  });

  it('`paperd up` on such a store exits non-zero with the error, and does not start', async () => {
    const { dataDir, futureVersion } = storeFromTheFuture();
    dirs.push(dataDir);
    const result = await runCli(['up', '--data', dataDir, '--port', '0'], { PAPERD_ARXIV_POLL: 'false' });
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.include('PAPERD_STORE_FROM_NEWER_VERSION').and.include(String(futureVersion)).and.include(String(codeVersion));
  });
});
