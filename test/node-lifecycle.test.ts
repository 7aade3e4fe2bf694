import { expect } from 'chai';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { apiKey, runCli, spawnNode, tempDataDir, withKey, type NodeProcess } from './support/node-process.js';

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

describe('paperd up: a node as a real process', function () {
  this.timeout(60_000);
  const nodes: NodeProcess[] = [];
  after(() => {
    for (const n of nodes) {
      n.child.kill('SIGKILL');
      rmSync(n.dataDir, { recursive: true, force: true });
    }
  });

  it('creates its data dir, answers /ready once the tree is up, and serves the tree of ARCHITECTURE.md §2', async () => {
    const dataDir = join(tempDataDir(), 'fresh', 'data');
    const node = spawnNode({ dataDir });
    nodes.push(node);
    const url = await node.url;
    expect(existsSync(join(dataDir, 'paperd.sqlite'))).to.equal(true);
    expect((await getJson(`${url}/ready`)).status).to.equal(200);
    const { body } = await getJson<{ node: string; tree: { name: string; status: string; children: { name: string; status: string }[] }[] }>(`${url}/v1/actors`);
    expect(body.node).to.equal('single');
    expect(body.tree.map((n) => n.name)).to.deep.equal(['root']);
    expect(body.tree[0]!.children.map((c) => c.name)).to.deep.equal(['storage', 'sources', 'pipeline', 'offline', 'sandbox', 'link']);
    expect(body.tree[0]!.children.every((c) => c.status === 'running')).to.equal(true);
    const cli = await runCli(['actors', '--url', url]);
    expect(cli.code).to.equal(0);
    expect(cli.stdout).to.match(/^root {2}\(running, one_for_one\)$/m);
    expect(cli.stdout).to.match(/└── link {2}\(running, one_for_one\)$/m);
  });

  it('stops cleanly on SIGTERM, children in reverse start order, with exit code 0', async () => {
    const node = spawnNode();
    nodes.push(node);
    await node.url;
    node.child.kill('SIGTERM');
    expect(await node.exited).to.equal(0);
    const stopped = node.logs.filter((l) => l.event === 'actor.stopped').map((l) => String(l.actor));
    expect(stopped.filter((a) => a.split('/').length <= 2)).to.deep.equal(['root/link', 'root/sandbox', 'root/offline', 'root/pipeline', 'root/sources', 'root/storage', 'root']);
    // Inside a supervisor too: the pipeline's stages stop in reverse order, each before its supervisor.
    const pipeline = stopped.filter((a) => a.startsWith('root/pipeline'));
    expect(pipeline).to.deep.equal(['root/pipeline/enricher', 'root/pipeline/extractor', 'root/pipeline/fetcher', 'root/pipeline/indexer', 'root/pipeline']);
  });

  it('restarts a crashed actor, records it, and shows it in the tree, the metrics and `paperd restarts`', async () => {
    const dataDir = tempDataDir();
    const admin = apiKey(dataDir, ['admin']);
    const node = spawnNode({ dataDir, env: { PAPERD_TEST_HOOKS: 'true', PAPERD_SUPERVISION_BACKOFF_MIN_MS: '10' } });
    nodes.push(node);
    const url = await node.url;
    const crash = await fetch(`${url}/v1/test/crash`, { method: 'POST', headers: withKey(admin), body: JSON.stringify({ path: 'root/sources' }) });
    expect(crash.status).to.equal(202);
    await node.waitForLog((l) => l.event === 'actor.started' && l.actor === 'root/sources' && node.logs.some((x) => x.msg === 'supervisor restart'));
    const { body } = await getJson<{ tree: { children: { name: string; restarts: number; lastError: { name: string } | null }[] }[] }>(`${url}/v1/actors`);
    const sources = body.tree[0]!.children.find((c) => c.name === 'sources')!;
    expect(sources.restarts).to.equal(1);
    expect(sources.lastError?.name).to.equal('InjectedCrashError');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).to.match(/paperd_actor_restarts_total\{actor="root\/sources",node="single"\} 1/);
    const viaApi = await runCli(['restarts', '--url', url, '--json']);
    const viaData = await runCli(['restarts', '--data', node.dataDir, '--actor', 'root/sources', '--since', '1h', '--json']);
    for (const out of [viaApi, viaData]) {
      expect(out.code, out.stderr).to.equal(0);
      const { restarts } = JSON.parse(out.stdout) as { restarts: { event: string; actor: string; supervisor: string; errorName: string }[] };
      expect(restarts.map((r) => [r.event, r.actor, r.supervisor, r.errorName])).to.deep.equal([['restart', 'root/sources', 'root', 'InjectedCrashError']]);
    }
    const unknown = await fetch(`${url}/v1/test/crash`, { method: 'POST', headers: withKey(admin), body: JSON.stringify({ path: 'root/nope' }) });
    expect(unknown.status).to.equal(404);
    expect(((await unknown.json()) as { error: string }).error).to.equal('PAPERD_NOT_FOUND');
  });

  it('exits non-zero when the root supervisor gives up, and the restart log holds every step', async () => {
    const dataDir = tempDataDir();
    const admin = apiKey(dataDir, ['admin']);
    const node = spawnNode({ dataDir, env: { PAPERD_TEST_HOOKS: 'true', PAPERD_SUPERVISION_INTENSITY: '0' } });
    nodes.push(node);
    const url = await node.url;
    await fetch(`${url}/v1/test/crash`, { method: 'POST', headers: withKey(admin), body: JSON.stringify({ path: 'root/sources' }) });
    expect(await node.exited).to.equal(1);
    expect(node.logs.some((l) => l.level === 60 && String(l.msg).includes('root supervisor gave up'))).to.equal(true);
    const out = await runCli(['restarts', '--data', node.dataDir, '--json']);
    const { restarts } = JSON.parse(out.stdout) as { restarts: { event: string; actor: string; supervisor: string }[] };
    expect(restarts.reverse().map((r) => `${r.event} ${r.actor} by ${r.supervisor}`)).to.deep.equal([
      'give_up root/sources by root',
      'escalate root by node',
    ]);
  });

  it('owns its data dir: a second node is refused while the first lives, and takes over after a kill -9', async () => {
    const first = spawnNode();
    nodes.push(first);
    await first.url;
    const second = await runCli(['up', '--data', first.dataDir, '--port', '0']);
    expect(second.code).to.equal(2);
    expect(second.stderr).to.contain('PAPERD_DATA_DIR_BUSY');
    expect(second.stderr).to.contain(`pid ${first.child.pid}`);
    first.child.kill('SIGKILL');
    await first.exited;
    const third = spawnNode({ dataDir: first.dataDir });
    nodes.push(third);
    expect((await getJson(`${await third.url}/ready`)).status).to.equal(200);
  });

  it('refuses a bad config with a message naming the key, and a test hook that is not enabled', async () => {
    const bad = await runCli(['up', '--data', tempDataDir(), '--port', '0'], { PAPERD_API_PORT: 'eighty' });
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('PAPERD_API_PORT="eighty" is not a number');
    const dataDir = tempDataDir();
    const admin = apiKey(dataDir, ['admin']);
    const node = spawnNode({ dataDir });
    nodes.push(node);
    const url = await node.url;
    const crash = await fetch(`${url}/v1/test/crash`, { method: 'POST', headers: withKey(admin), body: '{"path":"root"}' });
    expect(crash.status).to.equal(404);
  });
});
