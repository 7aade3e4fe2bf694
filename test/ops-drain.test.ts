import { expect } from 'chai';
import Fastify from 'fastify';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { errorCodeOf, httpStatusOf } from '../src/errors.js';
import { Drain } from '../src/ops/drain.js';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { apiKey, runCli, spawnNode, tempDataDir, withKey, type NodeProcess } from './support/node-process.js';
import { until } from './support/until.js';

/** A BEIR corpus of `n` documents, one JSON line each. */
function corpus(n: number, prefix: string): string {
  return Array.from({ length: n }, (_, i) => JSON.stringify({ _id: `${prefix}${i}`, title: `Drained paper ${i} on sparse attention`, text: `Abstract ${i}: transformers, routing and recall.` })).join('\n');
}

function journalState(dataDir: string): { byState: Record<string, number>; papers: number; maxAttempts: number } {
  const db = openDatabase(sqlitePath(dataDir), { readonly: true });
  try {
    const byState = Object.fromEntries((db.prepare("SELECT state, count(*) AS n FROM jobs WHERE kind = 'ingest' GROUP BY state").all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
    const papers = (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    const maxAttempts = (db.prepare("SELECT coalesce(max(attempts), 0) AS n FROM jobs WHERE kind = 'ingest'").get() as { n: number }).n;
    return { byState, papers, maxAttempts };
  } finally {
    db.close();
  }
}

describe('paperd drain', function () {
  this.timeout(120_000);
  const nodes: NodeProcess[] = [];
  const dirs: string[] = [];
  after(() => {
    for (const n of nodes) n.child.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('while draining, writes answer 503 PAPERD_DRAINING with Retry-After, reads and /v1/drain pass, /ready says 503; the stop runs once', async () => {
    let stops = 0;
    const drain = new Drain({ node: 'main', log: pino({ level: 'silent' }), leased: () => 7, stop: () => void stops++ });
    const app = Fastify();
    app.setErrorHandler((error, _req, reply) => void reply.code(httpStatusOf(error)).send({ error: errorCodeOf(error), message: (error as Error).message }));
    drain.install(app as never);
    app.post('/v1/import', async () => ({ imported: 1 }));
    app.get('/v1/search', async () => ({ results: [] }));
    app.get('/ready', async () => ({ ready: true }));
    app.post('/v1/drain', async () => drain.begin());
    try {
      expect((await app.inject({ method: 'POST', url: '/v1/import' })).statusCode).to.equal(200);
      const begun = await app.inject({ method: 'POST', url: '/v1/drain' });
      expect(begun.json()).to.deep.equal({ node: 'main', draining: true, leasedAtStart: 7 });
      const refused = await app.inject({ method: 'POST', url: '/v1/import' });
      expect(refused.statusCode).to.equal(503);
      expect(refused.headers['retry-after']).to.equal('30');
      expect(refused.json().error).to.equal('PAPERD_DRAINING');
      expect((await app.inject({ method: 'GET', url: '/v1/search' })).statusCode).to.equal(200);
      expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).to.equal(503);
      // Asked again (a retrying CLI), it answers the same drain.
      expect((await app.inject({ method: 'POST', url: '/v1/drain' })).json()).to.deep.equal({ node: 'main', draining: true, leasedAtStart: 7 });
      await until('the stop', async () => (stops > 0 ? true : undefined), 5_000);
      await new Promise((r) => setTimeout(r, 100));
      expect(stops).to.equal(1);
    } finally {
      await app.close();
    }
  });

  it('a node drained mid-import exits 0 holding no lease; restarted, it finishes every job once and `paperd check` passes', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const admin = apiKey(dataDir, ['admin']);
    // A slow indexer in small batches, so the drain lands with work leased and work queued.
    const env = { PAPERD_PIPELINE_INDEXER_DELAY_PER_ITEM_MS: '10', PAPERD_PIPELINE_BATCH_SIZE: '20', PAPERD_ENRICHMENT_ENABLED: 'false', PAPERD_PIPELINE_FETCH_PDFS: 'false' };
    const first = spawnNode({ dataDir, env });
    nodes.push(first);
    const url = await first.url;
    const file = join(dataDir, '..', `drain-corpus-${process.pid}.jsonl`);
    writeFileSync(file, corpus(1500, 'dr'));
    dirs.push(file);
    const imported = await runCli(['import', '--url', url, file], { PAPERD_API_KEY: admin });
    expect(imported.code, imported.stderr).to.equal(0);
    await until('indexing under way', async () => (first.logs.some((l) => String(l.actor ?? '').includes('indexer')) || journalState(dataDir).papers > 0 ? true : undefined));

    const drained = await runCli(['drain', '--url', url], { PAPERD_API_KEY: admin });
    expect(drained.code, drained.stderr).to.equal(0);
    expect(drained.stdout).to.match(/^draining single at .*: \d+ jobs? leased, finishing or handing back$/m);
    expect(drained.stdout).to.include('single drained and stopped');
    expect(await first.exited).to.equal(0);
    const afterDrain = journalState(dataDir);
    expect(afterDrain.byState.leased ?? 0).to.equal(0);
    expect((afterDrain.byState.queued ?? 0) + (afterDrain.byState.done ?? 0)).to.equal(1500);
    expect(afterDrain.byState.queued ?? 0, 'the drain should land mid-import').to.be.greaterThan(0);
    expect(first.logs.some((l) => l.msg === 'recovered jobs leased by a previous owner')).to.equal(false);

    const second = spawnNode({ dataDir, env: { PAPERD_ENRICHMENT_ENABLED: 'false', PAPERD_PIPELINE_FETCH_PDFS: 'false' } });
    nodes.push(second);
    await second.url;
    await until('every job done', async () => (journalState(dataDir).byState.done === 1500 ? true : undefined), 90_000);
    // And vector sync caught up (the API says so through the pipeline depth).
    await until('the outbox drained', async () => {
      const metrics = await (await fetch(`${await second.url}/metrics`)).text();
      return /^paperd_pipeline_depth\{[^}]*\} 0$/m.test(metrics) ? true : undefined;
    }, 90_000);
    // Nothing was left leased for the new owner to recover: the drain handed it all back.
    expect(second.logs.some((l) => l.msg === 'recovered jobs leased by a previous owner')).to.equal(false);
    second.child.kill('SIGTERM');
    expect(await second.exited).to.equal(0);
    const end = journalState(dataDir);
    expect(end.papers).to.equal(1500);
    expect(end.maxAttempts).to.be.at.most(2);
    const check = await runCli(['check', '--data', dataDir]);
    expect(check.code, check.stdout + check.stderr).to.equal(0);
  });

  it('refuses without an admin key, and the node keeps running', async () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const writer = apiKey(dataDir, ['write']);
    const node = spawnNode({ dataDir });
    nodes.push(node);
    const url = await node.url;
    const refused = await runCli(['drain', '--url', url], { PAPERD_API_KEY: writer });
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.include('PAPERD_FORBIDDEN');
    expect((await fetch(`${url}/ready`)).status).to.equal(200);
    expect((await fetch(`${url}/v1/import?name=x.jsonl`, { method: 'POST', headers: { ...withKey(writer, false), 'content-type': 'application/octet-stream' }, body: corpus(1, 'w') })).status).to.be.oneOf([200, 202]);
  });
});
