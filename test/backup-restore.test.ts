import { expect } from 'chai';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listPage, rawRecord } from './support/oai-pages.js';
import { apiKey, runCli, spawnNode, tempDataDir, withKey, type NodeProcess } from './support/node-process.js';
import { until } from './support/until.js';

const total = 3_000;
const dump = () => listPage(Array.from({ length: total }, (_, i) => rawRecord(`2405.${String(i + 1).padStart(5, '0')}`, '2024-05-02')));

describe('paperd backup and restore', function () {
  this.timeout(240_000);
  let node: NodeProcess | undefined;

  afterEach(async () => {
    if (node) {
      node.child.kill('SIGTERM');
      await node.exited;
      node = undefined;
    }
  });

  it('a backup taken during an import restores to a store that passes paperd check', async () => {
    const dataDir = tempDataDir();
    const admin = apiKey(dataDir, ['admin']);
    node = spawnNode({
      dataDir,
      env: { PAPERD_PIPELINE_FETCH_PDFS: 'false', PAPERD_ENRICHMENT_ENABLED: 'false', PAPERD_PIPELINE_BATCH_SIZE: '100', PAPERD_PIPELINE_INDEXER_DELAY_PER_ITEM_MS: '10', PAPERD_PIPELINE_IDLE_MS: '50' },
    });
    const url = await node.url;
    const importing = fetch(`${url}/v1/import?name=may.xml`, { method: 'POST', headers: { ...withKey(admin, false), 'content-type': 'application/octet-stream' }, body: dump() });
    const stats = async () => (await (await fetch(`${url}/v1/stats`)).json()) as { papers: number };
    await until('the import to be under way', async () => ((await stats()).papers >= 100 ? true : undefined), 120_000);

    const backupDir = join(tempDataDir(), 'backup');
    const taken = await runCli(['backup', backupDir, '--url', url, '--json'], { PAPERD_API_KEY: admin });
    expect(taken.code, taken.stderr).to.equal(0);
    const manifest = JSON.parse(taken.stdout) as { papers: number; lancedb: Record<string, number>; v: number };
    expect(manifest.v).to.equal(1);
    expect(manifest.papers, 'the backup was taken mid-import').to.be.within(1, total - 1);
    expect(Object.keys(manifest.lancedb)).to.include('papers.lance');
    expect((await importing).status).to.equal(200);

    const restoredDir = join(tempDataDir(), 'restored');
    const restored = await runCli(['restore', backupDir, '--data', restoredDir, '--json']);
    expect(restored.code, restored.stderr + restored.stdout).to.equal(0);
    const report = JSON.parse(restored.stdout) as { check: { ok: boolean; papers: number; vectors: number; fts: number } };
    expect(report.check.ok).to.equal(true);
    expect(report.check.papers).to.be.at.least(manifest.papers);
    expect(report.check.vectors).to.equal(report.check.papers);
    const check = await runCli(['check', '--data', restoredDir, '--json']);
    expect(check.code, check.stdout).to.equal(0);
    expect(JSON.parse(check.stdout)).to.include({ ok: true, papers: report.check.papers });
    // Searchable after the restore.
    const search = await runCli(['search', 'study', '--data', restoredDir, '--mode', 'bm25', '--json']);
    expect(search.code, search.stderr).to.equal(0);
  });

  it('refuses to restore into a data dir that is not empty, or from a directory that is not a backup', async () => {
    const notBackup = tempDataDir();
    const into = tempDataDir();
    const refused = await runCli(['restore', notBackup, '--data', join(into, 'new')]);
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.contain('is not a paperd backup');

    const backup = tempDataDir();
    writeFileSync(join(backup, 'backup.json'), JSON.stringify({ v: 1, createdAt: new Date().toISOString(), schemaVersion: 1, papers: 0, lancedb: {}, blobs: 0, ms: 0 }));
    const full = join(into, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    const notEmpty = await runCli(['restore', backup, '--data', full]);
    expect(notEmpty.code).to.equal(2);
    expect(notEmpty.stderr).to.contain('is not empty');

    const store = tempDataDir();
    apiKey(store, ['read']);
    const exists = await runCli(['backup', full, '--data', store]);
    expect(exists.code).to.equal(2);
    expect(exists.stderr).to.contain('exists already');
  });
});
