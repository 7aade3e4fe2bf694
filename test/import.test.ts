import { expect } from 'chai';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { importLocally } from '../src/pipeline/import-locally.js';
import { silentLogger } from '../src/runtime/logger.js';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { checkDataDir } from '../src/cli/commands/check.js';
import { requireShared, sharedPath } from './support/shared.js';
import { apiKey, runCli, spawnNode, tempDataDir, withKey } from './support/node-process.js';

function absFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? absFiles(path) : name.endsWith('.abs') ? [path] : [];
  });
}

/** Distinct arXiv ids and (id, version) pairs, read straight from the files, without paperd's parser. */
function expectedFromAbs(root: string): { ids: Set<string>; versions: Set<string> } {
  const ids = new Set<string>();
  const versions = new Set<string>();
  for (const file of absFiles(root)) {
    const text = readFileSync(file, 'latin1');
    const id = /^(?:arXiv|Paper):\s*(\S+)/m.exec(text)?.[1];
    if (!id) continue;
    ids.add(id);
    const fromName = /v(\d+)\.abs$/.exec(file)?.[1];
    const dates = text.match(/^Date( \(revised v\d+\))?:/gm)?.length ?? 0;
    versions.add(`${id}v${fromName ?? dates}`);
  }
  return { ids, versions };
}

function configFor(dataDir: string) {
  return loadConfig({ env: {}, overrides: { dataDir, pipeline: { fetchPdfs: false, idleMs: 50 } } });
}

describe('paperd import', function () {
  this.timeout(120_000);

  it('imports every .abs record once into both stores, and importing again changes nothing', async function () {
    requireShared(this);
    const root = sharedPath('fixtures', 'arxiv-abs');
    const expected = expectedFromAbs(root);
    const dataDir = tempDataDir();
    const first = await importLocally([root], configFor(dataDir), silentLogger());
    expect(first.failedFiles.map((f) => f.file)).to.deep.equal([join(root, 'ftp/math-ph/papers/0509/0509037.abs')]);
    expect(first.failedFiles[0]!.reason).to.contain('empty');
    expect(first.papers).to.equal(expected.ids.size);
    const db = openDatabase(sqlitePath(dataDir));
    const versions = (db.prepare('SELECT count(*) AS n FROM paper_versions').get() as { n: number }).n;
    expect(versions).to.equal(expected.versions.size);
    const outboxBefore = (db.prepare('SELECT max(seq) AS s FROM outbox').get() as { s: number }).s;
    const stampBefore = db.prepare('SELECT max(updated_at) AS t FROM papers').get();
    db.close();

    const second = await importLocally([root], configFor(dataDir), silentLogger());
    expect(second.accepted).to.equal(0);
    expect(second.duplicates).to.equal(first.accepted + first.duplicates);
    expect(second.papers).to.equal(expected.ids.size);
    const after = openDatabase(sqlitePath(dataDir));
    expect((after.prepare('SELECT max(seq) AS s FROM outbox').get() as { s: number }).s).to.equal(outboxBefore);
    expect(after.prepare('SELECT max(updated_at) AS t FROM papers').get()).to.deep.equal(stampBefore);
    after.close();
    const check = await checkDataDir(dataDir);
    expect(check).to.deep.include({ ok: true, papers: expected.ids.size, fts: expected.ids.size, vectors: expected.ids.size, duplicates: 0, stuck_jobs: 0 });
  });

  it('reports files it cannot read (malformed XML, an XXE, an unknown format) and imports the rest', async () => {
    const dir = tempDataDir();
    const files = join(dir, 'dump');
    mkdirSync(files);
    const entry = (id: string, title: string) =>
      `<entry><id>http://arxiv.org/abs/${id}v1</id><published>2024-01-01T00:00:00Z</published><updated>2024-01-01T00:00:00Z</updated><title>${title}</title><summary>About ${title}.</summary><author><name>A. Author</name></author><category term="cs.LG"/></entry>`;
    const feed = (entries: string) => `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">${entries}</feed>`;
    writeFileSync(join(files, 'a-good.xml'), feed(entry('2401.00001', 'Sparse attention') + entry('2401.00002', 'Dense retrieval')));
    writeFileSync(join(files, 'b-truncated.xml'), feed(entry('2401.00003', 'Lost')).slice(0, 200));
    writeFileSync(join(files, 'c-xxe.xml'), `<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]><feed xmlns="http://www.w3.org/2005/Atom">${entry('2401.00004', '&x;')}</feed>`);
    writeFileSync(join(files, 'd-notes.txt'), 'just some notes');
    writeFileSync(join(files, 'e-corpus.jsonl'), '{"_id":"d1","title":"Protein folding","text":"Structures."}\n{not json\n{"_id":"d2","title":"Gene editing","text":"CRISPR."}\n');
    const report = await importLocally([files], configFor(join(dir, 'data')), silentLogger());
    expect(report.failedFiles.map((f) => f.file.split('/').pop())).to.deep.equal(['b-truncated.xml', 'c-xxe.xml', 'd-notes.txt']);
    expect(report.failedFiles[0]!.reason).to.match(/MalformedXmlError/);
    expect(report.failedFiles[1]!.reason).to.match(/UnsafeXmlError/);
    expect(report.failedFiles[2]!.reason).to.contain('not a format paperd imports');
    expect(report.rejectedEntries).to.equal(1);
    expect(report.rejectedSample[0]).to.include({ where: 'line 2' });
    expect(report.accepted).to.equal(4);
    expect(report.papers).to.equal(4);
  });

  it('as a CLI: prints a JSON report, exits 1 when a file could not be read, and `paperd check` agrees', async () => {
    const dir = tempDataDir();
    writeFileSync(join(dir, 'corpus.jsonl'), Array.from({ length: 50 }, (_, i) => JSON.stringify({ _id: `doc${i}`, title: `Title ${i}`, text: `Text number ${i}.` })).join('\n'));
    writeFileSync(join(dir, 'broken.xml'), '<feed');
    const out = await runCli(['import', '--data', join(dir, 'data'), '--json', join(dir, 'corpus.jsonl'), join(dir, 'broken.xml')]);
    expect(out.code, out.stderr).to.equal(1);
    const report = JSON.parse(out.stdout) as { accepted: number; papers: number; failedFiles: unknown[] };
    expect(report).to.deep.include({ accepted: 50, papers: 50 });
    expect(report.failedFiles).to.have.length(1);
    const check = await runCli(['check', '--data', join(dir, 'data'), '--json']);
    expect(check.code).to.equal(0);
    expect(JSON.parse(check.stdout)).to.deep.include({ ok: true, papers: 50, fts: 50, vectors: 50 });
  });

  it('hands the files to the node that owns the data dir, which indexes them', async () => {
    const nodeDir = tempDataDir();
    const writer = apiKey(nodeDir, ['write']);
    const node = spawnNode({ dataDir: nodeDir, env: { PAPERD_PIPELINE_IDLE_MS: '50' } });
    try {
      const url = await node.url;
      const dir = tempDataDir();
      writeFileSync(join(dir, 'corpus.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ _id: `n${i}`, title: `Node paper ${i}`, text: 'x' })).join('\n'));
      const refused = await runCli(['import', '--data', node.dataDir, join(dir, 'corpus.jsonl')]);
      expect((JSON.parse(refused.stdout) as { uploads: { status: number }[] }).uploads[0]!.status).to.equal(401);
      const out = await runCli(['import', '--data', node.dataDir, join(dir, 'corpus.jsonl')], { PAPERD_API_KEY: writer });
      expect(out.code, out.stderr).to.equal(0);
      const [upload] = (JSON.parse(out.stdout) as { uploads: { status: number; accepted: number }[] }).uploads;
      expect(upload).to.include({ status: 200, accepted: 20 });
      const bad = await fetch(`${url}/v1/import?name=x.xml`, { method: 'POST', headers: { ...withKey(writer, false), 'content-type': 'application/xml' }, body: '<feed><entry>' });
      expect(bad.status).to.equal(400);
      expect(((await bad.json()) as { message: string }).message).to.match(/MalformedXmlError/);
      // The node's pipeline takes the jobs into both stores.
      for (let i = 0; i < 200; i++) {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        if (/paperd_jobs\{state="done",priority="1",node="single"\} 20/.test(metrics) && /paperd_pipeline_depth\{node="single"\} 0/.test(metrics)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const check = await checkDataDir(node.dataDir);
      expect(check).to.deep.include({ ok: true, papers: 20, vectors: 20 });
    } finally {
      node.child.kill('SIGKILL');
    }
  });
});
