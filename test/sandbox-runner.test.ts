import { expect } from 'chai';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { SandboxRunner } from '../src/sandbox/runner.js';
import { until } from './support/until.js';
import { sandboxContainersOf, sandboxDataDir, sandboxTestConfig, sandboxUnavailableReason, startTestRunner } from './support/sandbox-fixtures.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('sandbox runner (real Docker engine)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let runner: SandboxRunner | undefined;
  let containersAtStart: string[] = [];

  before(async function () {
    const reason = await sandboxUnavailableReason();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    dataDir = await sandboxDataDir(120);
    // A secret that must never reach a run: an API key row.
    const db = new Database(path.join(dataDir, 'paperd.sqlite'));
    db.prepare(`INSERT INTO api_keys (id, secret_sha256, scopes, created_at) VALUES ('k1', 'deadbeefsecrethash0123456789', '["admin"]', 1)`).run();
    db.close();
    runner = await startTestRunner(dataDir, sandboxTestConfig({ poolSize: 1 }));
    containersAtStart = sandboxContainersOf(dataDir);
  });

  after(async () => {
    if (runner) {
      await runner.stop();
      expect(sandboxContainersOf(dataDir), 'containers left behind').to.deep.equal([]);
      expect(fs.existsSync(path.join(dataDir, 'sandbox', 'snapshots')), 'snapshots left behind').to.equal(false);
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a pandas script over the papers table and returns the PNG chart it wrote to /out', async () => {
    const result = await runner!.run({
      language: 'python',
      code: [
        'import paperd, matplotlib.pyplot as plt',
        'df = paperd.papers()',
        "monthly = df[df.title.str.contains('diffusion')].groupby(df.published.dt.strftime('%Y-%m')).size()",
        'monthly.plot(kind="bar")',
        'paperd.save(name="diffusion.png")',
        'print(len(df), int(monthly.sum()))',
      ].join('\n'),
    });
    expect(result.stderr).to.not.match(/Traceback/);
    expect(result.exitCode).to.equal(0);
    expect(result.stdout.trim()).to.equal('120 40');
    expect(result.files.map((f) => f.name)).to.deep.equal(['diffusion.png']);
    expect(result.files[0]!.contentType).to.equal('image/png');
    expect(result.files[0]!.data.subarray(0, 8).equals(PNG_MAGIC)).to.equal(true);
    expect(result.timedOut).to.equal(false);
    expect(result.truncated).to.equal(false);
  });

  it('starts no container before its first run, and keeps one ready after it', async () => {
    expect(containersAtStart).to.deep.equal([]);
    await runner!.run({ language: 'python', code: 'print(1)' });
    await until('a pooled container', async () => (runner!.stats().pooled === 1 ? true : undefined));
    // The run's own container goes once its result is back; the pooled one stays.
    await until('only the pooled container', async () => (sandboxContainersOf(dataDir).length === 1 ? true : undefined));
  });

  it('sees the vectors of the snapshot from Python and from JavaScript', async () => {
    const py = await runner!.run({ language: 'python', code: 'import paperd\nids, m = paperd.vectors()\nprint(len(ids), m.shape[1], sorted(ids)[0])' });
    expect(py.stderr).to.equal('');
    expect(py.stdout.trim()).to.equal('120 256 2301.00000');
    const js = await runner!.run({ language: 'javascript', code: "const p = require('paperd'); const v = p.vectors(); const n = p.sql('SELECT count(*) AS n FROM papers')[0].n; console.log(v.ids.length, v.dimensions, v.data.length / v.dimensions, n);" });
    expect(js.stderr).to.equal('');
    expect(js.stdout.trim()).to.equal('120 256 120 120');
  });

  it('runs as nobody with no capabilities, no network interface but lo, and a read-only root', async () => {
    const result = await runner!.run({
      language: 'python',
      code: [
        'import os',
        'print(os.getuid(), os.getgid())',
        "print(sorted(os.listdir('/sys/class/net')))",
        "caps = [l for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapBnd', 'NoNewPrivs', 'Seccomp:'))]",
        "print(' '.join(x.split()[1] for x in caps))",
      ].join('\n'),
    });
    const [ids, nets, caps] = result.stdout.trim().split('\n');
    expect(ids).to.equal('65534 65534');
    expect(nets).to.equal("['lo']");
    // CapEff 0, CapBnd 0, NoNewPrivs 1, Seccomp 2 (filter mode: the engine's default profile).
    expect(caps).to.equal('0000000000000000 0000000000000000 1 2');
  });

  it('gives runs only the papers’ tables: the API keys stay on the host, not even in free pages', async () => {
    const result = await runner!.run({
      language: 'python',
      code: [
        'import paperd',
        "print(sorted(paperd.sql(\"SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'papers_fts%'\").name))",
        "print(b'deadbeefsecrethash' in open('/data/paperd.sqlite', 'rb').read())",
      ].join('\n'),
    });
    expect(result.stderr).to.equal('');
    const [tables, leaked] = result.stdout.trim().split('\n');
    expect(tables).to.not.include('api_keys');
    expect(tables).to.not.include('jobs');
    expect(tables).to.include("'papers'");
    expect(leaked).to.equal('False');
  });

  it('reuses one snapshot while the stores do not change, and takes a new one when they do', async () => {
    const first = await runner!.run({ language: 'python', code: 'import paperd; print(paperd.manifest()["key"])' });
    const second = await runner!.run({ language: 'python', code: 'import paperd; print(paperd.manifest()["key"])' });
    expect(second.stdout).to.equal(first.stdout);
    const db = new Database(path.join(dataDir, 'paperd.sqlite'));
    db.prepare(`UPDATE papers SET title = 'changed' WHERE id = '2301.00001'`).run();
    db.close();
    const third = await runner!.run({ language: 'python', code: 'import paperd\nprint(paperd.manifest()["key"])\nprint(paperd.sql("SELECT title FROM papers WHERE id = \'2301.00001\'").title[0])' });
    const [key, title] = third.stdout.trim().split('\n');
    expect(key).to.not.equal(first.stdout.trim());
    expect(title).to.equal('changed');
  });
});
