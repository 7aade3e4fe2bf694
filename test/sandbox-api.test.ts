import { expect } from 'chai';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiKey, runCli, spawnNode, tempDataDir, withKey, type NodeProcess } from './support/node-process.js';
import { sandboxContainersOf, sandboxDataDir, sandboxUnavailableReason } from './support/sandbox-fixtures.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function stopNode(node: NodeProcess | undefined): Promise<void> {
  if (!node) return;
  node.child.kill('SIGTERM');
  await node.exited;
}

describe('sandbox API and CLI in a running node (real Docker engine)', function () {
  this.timeout(180_000);
  let node: NodeProcess | undefined;
  let dataDir: string;
  let url: string;
  let key: string;
  let workDir: string;

  before(async function () {
    const reason = await sandboxUnavailableReason();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    dataDir = await sandboxDataDir(60);
    key = apiKey(dataDir, ['sandbox']);
    // Snapshots follow every change to the stores (no grace period), to show what counts as one.
    node = spawnNode({ dataDir, env: { PAPERD_ENRICHMENT_ENABLED: 'false', PAPERD_SANDBOX_TIMEOUT_MS: '20000', PAPERD_SANDBOX_SNAPSHOT_MAX_AGE_MS: '0' } });
    url = await node.url;
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-sandbox-cli-'));
  });

  after(async () => {
    await stopNode(node);
    if (dataDir) {
      expect(sandboxContainersOf(dataDir), 'containers left behind').to.deep.equal([]);
      expect(fs.existsSync(path.join(dataDir, 'sandbox', 'snapshots')), 'snapshots left behind').to.equal(false);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  const post = (body: unknown, headers = withKey(key)) => fetch(`${url}/v1/sandbox/runs`, { method: 'POST', headers, body: JSON.stringify(body) });

  it('needs a key with the sandbox scope', async () => {
    expect((await post({ language: 'python', code: 'print(1)' }, { 'content-type': 'application/json' })).status).to.equal(401);
    const reader = apiKey(dataDir, ['read']);
    expect((await post({ language: 'python', code: 'print(1)' }, withKey(reader))).status).to.equal(403);
  });

  it('refuses a bad program request with 400 and says why', async () => {
    const res = await post({ language: 'ruby', code: 'puts 1' });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { message: string }).message).to.match(/language/);
  });

  it('runs a program, keeps the run, and serves its PNG by URL', async () => {
    const res = await post({ language: 'python', code: 'import paperd, matplotlib.pyplot as plt\ndf = paperd.papers()\ndf.groupby(df.published.dt.year).size().plot()\npaperd.save(name="per-year.png")\nprint(len(df))' });
    expect(res.status).to.equal(201);
    const run = (await res.json()) as { id: string; exitCode: number; stdout: string; files: { name: string; url: string; contentType: string; size: number }[] };
    expect(run.exitCode).to.equal(0);
    expect(run.stdout).to.equal('60\n');
    expect(run.files.map((f) => [f.name, f.contentType])).to.deep.equal([['per-year.png', 'image/png']]);
    const file = await fetch(`${url}${run.files[0]!.url}`, { headers: withKey(key, false) });
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-type')).to.equal('image/png');
    const bytes = Buffer.from(await file.arrayBuffer());
    expect(bytes.subarray(0, 8).equals(PNG_MAGIC)).to.equal(true);
    expect(bytes.length).to.equal(run.files[0]!.size);

    const again = (await (await fetch(`${url}/v1/sandbox/runs/${run.id}`, { headers: withKey(key, false) })).json()) as { id: string; stdout: string; status: string };
    expect(again).to.deep.include({ id: run.id, stdout: '60\n', status: 'finished' });
    expect((await fetch(`${url}/v1/sandbox/runs/no-such-run`, { headers: withKey(key, false) })).status).to.equal(404);
    // Another key's runs are not there for this one; an admin key sees them.
    const other = apiKey(dataDir, ['sandbox']);
    expect((await fetch(`${url}/v1/sandbox/runs/${run.id}`, { headers: withKey(other, false) })).status).to.equal(404);
    expect((await fetch(`${url}${run.files[0]!.url}`, { headers: withKey(other, false) })).status).to.equal(404);
    expect((await fetch(`${url}/v1/sandbox/runs/${run.id}`, { headers: withKey(apiKey(dataDir, ['admin']), false) })).status).to.equal(200);
  });

  it('serves SVG and HTML from a run so that they cannot run script in a browser', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1" height="1"/></svg>';
    const res = await post({ language: 'javascript', code: `const p = require('paperd'); p.writeOut('x.svg', ${JSON.stringify(svg)}); p.writeOut('x.html', '<script>alert(1)</script>');` });
    const run = (await res.json()) as { files: { name: string; url: string }[] };
    expect(run.files.map((f) => f.name).sort()).to.deep.equal(['x.html', 'x.svg']);
    for (const f of run.files) {
      const served = await fetch(`${url}${f.url}`, { headers: withKey(key, false) });
      const csp = served.headers.get('content-security-policy') ?? '';
      expect(csp).to.include("default-src 'none'");
      expect(csp).to.match(/(^|; )sandbox($|;)/);
      expect(served.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(served.headers.get('content-disposition')).to.match(/^attachment;/);
    }
  });

  it('keeps one snapshot across runs (keeping runs is no change to the stores) until the papers change', async () => {
    const code = 'import paperd\nprint(paperd.manifest()["takenAt"])';
    const taken = async () => ((await (await post({ language: 'python', code })).json()) as { stdout: string; snapshotTakenAt: string });
    const first = await taken();
    const second = await taken();
    expect(second.snapshotTakenAt).to.equal(first.snapshotTakenAt);
    expect(second.stdout.trim()).to.equal(first.snapshotTakenAt);
    const db = new Database(path.join(dataDir, 'paperd.sqlite'));
    db.pragma('busy_timeout = 5000');
    db.prepare(`UPDATE papers SET title = 'retitled' WHERE id = '2301.00003'`).run();
    db.close();
    const third = await taken();
    expect(third.snapshotTakenAt).to.not.equal(first.snapshotTakenAt);
  });

  it('shows the runner under the sandbox supervisor in the actor tree', async () => {
    const tree = JSON.stringify(await (await fetch(`${url}/v1/actors`)).json());
    expect(tree).to.match(/sandbox\/sandbox-runner/);
  });

  it('`paperd sandbox run FILE --json` prints the result and saves the files', async () => {
    const file = path.join(workDir, 'chart.py');
    fs.writeFileSync(file, 'import paperd, matplotlib.pyplot as plt\nplt.bar([1, 2], [3, 4])\npaperd.save(name="bars.png")\nprint("drawn")\n');
    const out = path.join(workDir, 'out');
    const { code, stdout, stderr } = await runCli(['sandbox', 'run', file, '--json', '--url', url, '--out', out, '--timeout', '20'], { PAPERD_API_KEY: key });
    expect(code, stderr).to.equal(0);
    const result = JSON.parse(stdout) as { exitCode: number; stdout: string; stderr: string; durationMs: number; timedOut: boolean; truncated: boolean; files: { name: string; path: string }[] };
    expect(result).to.include({ exitCode: 0, stdout: 'drawn\n', timedOut: false, truncated: false });
    expect(result.durationMs).to.be.a('number');
    expect(result.files.map((f) => f.name)).to.deep.equal(['bars.png']);
    expect(fs.readFileSync(path.join(out, 'bars.png')).subarray(0, 8).equals(PNG_MAGIC)).to.equal(true);
  });

  it('`paperd sandbox run` exits with the program’s code, and 124 when it is killed at the timeout', async () => {
    const failing = path.join(workDir, 'fail.py');
    fs.writeFileSync(failing, 'import sys\nprint("to stdout")\nsys.exit(3)\n');
    const failed = await runCli(['sandbox', 'run', failing, '--url', url], { PAPERD_API_KEY: key });
    expect(failed.code).to.equal(3);
    expect(failed.stdout).to.equal('to stdout\n');
    const looping = path.join(workDir, 'loop.js');
    fs.writeFileSync(looping, 'for (;;) {}\n');
    const killed = await runCli(['sandbox', 'run', looping, '--url', url, '--timeout', '1'], { PAPERD_API_KEY: key });
    expect(killed.code).to.equal(124);
    expect(killed.stderr).to.match(/killed at the timeout/);
  });
});

describe('sandbox without a Docker engine', function () {
  this.timeout(60_000);
  let node: NodeProcess | undefined;
  let dataDir: string;

  after(async () => {
    await stopNode(node);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers every call that would run code with 503 and the reason, and runs nothing', async () => {
    dataDir = tempDataDir();
    const key = apiKey(dataDir, ['sandbox']);
    const socket = path.join(dataDir, 'no-docker-here.sock');
    node = spawnNode({ dataDir, env: { PAPERD_SANDBOX_DOCKER_SOCKET: socket, PAPERD_ENRICHMENT_ENABLED: 'false' } });
    const url = await node.url;
    const calls: [string, string, unknown?][] = [
      ['POST', '/v1/sandbox/runs', { language: 'python', code: 'print(1)' }],
      ['POST', '/v1/sandbox/ask', { question: 'how many papers?' }],
      ['GET', '/v1/sandbox'],
    ];
    for (const [method, route, body] of calls) {
      const res = await fetch(`${url}${route}`, { method, headers: withKey(key, body !== undefined), ...(body ? { body: JSON.stringify(body) } : {}) });
      const answer = (await res.json()) as { error: string; message: string };
      expect(res.status, route).to.equal(503);
      expect(answer.error, route).to.equal('PAPERD_SANDBOX_UNAVAILABLE');
      if (route !== '/v1/sandbox/ask') expect(answer.message, route).to.include(`no Docker engine answers at ${socket}`);
    }
    const file = path.join(dataDir, 'p.py');
    fs.writeFileSync(file, 'print(1)\n');
    const cli = await runCli(['sandbox', 'run', file, '--url', url], { PAPERD_API_KEY: key });
    expect(cli.code).to.not.equal(0);
    expect(cli.stderr).to.match(/PAPERD_SANDBOX_UNAVAILABLE: the sandbox cannot run code: no Docker engine answers/);
    expect(fs.existsSync(path.join(dataDir, 'sandbox', 'work')) ? fs.readdirSync(path.join(dataDir, 'sandbox', 'work')) : []).to.deep.equal([]);
  });
});
