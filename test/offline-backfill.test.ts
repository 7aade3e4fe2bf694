import { expect } from 'chai';
import { listPage, rawRecord } from './support/oai-pages.js';
import { apiKey, runCli, spawnNode, tempDataDir, withKey, type NodeProcess } from './support/node-process.js';
import { startOaiRepository } from './support/offline-oai-repo.js';
import { jobClass, jobs, offlineEnv, postJobs } from './support/offline-node.js';
import { until } from './support/until.js';

const range = { from: '2024-02-01', until: '2024-02-29', set: 'cs' };

async function papers(url: string): Promise<number> {
  return ((await (await fetch(`${url}/v1/stats`)).json()) as { papers: number }).papers;
}

/** No page answered in full twice: a resumed harvest asks only for what it had not accepted. */
function expectNoPageTwice(completed: string[]): void {
  expect(completed.length, `pages answered: ${completed.join(' ')}`).to.equal(new Set(completed).size);
}

describe('offline backfill on a node', function () {
  this.timeout(180_000);
  const nodes: NodeProcess[] = [];
  const closers: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      n.child.kill('SIGTERM');
      await n.exited;
    }
    await Promise.all(closers.splice(0).map((c) => c()));
  });

  it('serves online work first, stops at a pause, and resumes without asking for a page twice', async () => {
    const repo = await startOaiRepository({ pages: 30, perPage: 25, delayMs: 100 });
    closers.push(repo.close);
    const dataDir = tempDataDir();
    const admin = apiKey(dataDir, ['admin']);
    // A slow indexer keeps the offline records in the journal long enough to see the order.
    const node = spawnNode({ dataDir, env: offlineEnv(repo.url, { PAPERD_PIPELINE_INDEXER_DELAY_PER_ITEM_MS: '10', PAPERD_PIPELINE_BATCH_SIZE: '25' }) });
    nodes.push(node);
    const url = await node.url;

    const queued = await postJobs(url, admin, 'backfill', range);
    expect(queued.status).to.equal(202);
    await until('the backfill to be under way', async () => ((await jobClass(url, 'backfill')).done >= 100 ? true : undefined));

    // Online work arrives: an import at normal priority, ahead of the backfilled records. A hundred
    // papers at the slow indexer's 10 ms each keep online work waiting for a second or more, so the
    // scheduler's 50 ms ticks see it whatever the machine's load.
    const online = Array.from({ length: 100 }, (_, i) => `2403.${String(99_900 + i)}`);
    const imported = await fetch(`${url}/v1/import?name=new.xml`, { method: 'POST', headers: { ...withKey(admin, false), 'content-type': 'application/octet-stream' }, body: listPage(online.map((id) => rawRecord(id, '2024-03-01'))) });
    expect(imported.status, await imported.clone().text()).to.equal(200);
    const heldBack = await until('the backfill to step aside for the online papers', async () => {
      const c = await jobClass(url, 'backfill');
      return c.running === 0 && String(c.note).includes('depth') ? c : undefined;
    });
    expect(heldBack.state).to.equal('waiting');
    for (const id of online) await until(`online paper ${id}`, async () => ((await fetch(`${url}/v1/papers/${id}`)).status === 200 ? true : undefined));
    const whenOnlineDone = await jobClass(url, 'backfill');
    expect(whenOnlineDone.done, 'the backfill was still going when the online papers were in').to.be.below(repo.total);

    const paused = await postJobs(url, admin, 'pause', { class: 'backfill' });
    expect(paused.status).to.equal(200);
    expect((paused.body.classes as { name: string; state: string }[]).find((c) => c.name === 'backfill')).to.include({ state: 'paused' });
    await until('the step to hand back', async () => ((await jobClass(url, 'backfill')).running === 0 ? true : undefined), 5_000);
    const requestsAtPause = repo.state.requests.length;
    const doneAtPause = (await jobClass(url, 'backfill')).done;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(repo.state.requests.length, 'no request to the repository while paused').to.equal(requestsAtPause);
    expect((await jobClass(url, 'backfill')).done).to.equal(doneAtPause);
    expect(doneAtPause).to.be.below(repo.total);

    const resumed = await postJobs(url, admin, 'resume', { class: 'backfill' });
    expect(resumed.status).to.equal(200);
    await until('the backfill to finish', async () => {
      const c = await jobClass(url, 'backfill');
      return c.state === 'idle' && c.queued === 0 ? c : undefined;
    }, 120_000);
    const finished = await jobClass(url, 'backfill');
    expect(finished).to.include({ done: repo.total, failed: 0, etaSeconds: 0 });
    expectNoPageTwice(repo.state.completed);
    await until('every paper in the store', async () => ((await papers(url)) === repo.total + online.length ? true : undefined), 60_000);
  });

  it('keeps a paused backfill paused at the same place across a restart', async () => {
    const repo = await startOaiRepository({ pages: 20, perPage: 10, delayMs: 100 });
    closers.push(repo.close);
    const dataDir = tempDataDir();
    const admin = apiKey(dataDir, ['admin']);
    const first = spawnNode({ dataDir, env: offlineEnv(repo.url) });
    nodes.push(first);
    let url = await first.url;
    expect((await postJobs(url, admin, 'backfill', range)).status).to.equal(202);
    await until('some records', async () => ((await jobClass(url, 'backfill')).done >= 30 ? true : undefined));
    const paused = await postJobs(url, admin, 'pause');
    expect(paused.body.paused).to.equal(true);
    await until('the step to hand back', async () => ((await jobClass(url, 'backfill')).running === 0 ? true : undefined), 5_000);
    const before = await jobClass(url, 'backfill');
    first.child.kill('SIGTERM');
    expect(await first.exited).to.equal(0);
    nodes.splice(0);
    const requestsBefore = repo.state.requests.length;

    const second = spawnNode({ dataDir, env: offlineEnv(repo.url) });
    nodes.push(second);
    url = await second.url;
    const after = await jobs(url);
    expect(after.paused).to.equal(true);
    expect(after.classes.find((c) => c.name === 'backfill')).to.include({ state: 'paused', paused: true, done: before.done, queued: 1 });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(repo.state.requests.length, 'nothing asked of the repository while paused').to.equal(requestsBefore);

    expect((await postJobs(url, admin, 'resume')).body.paused).to.equal(false);
    await until('the backfill to finish', async () => {
      const c = await jobClass(url, 'backfill');
      return c.state === 'idle' && c.queued === 0 ? c : undefined;
    }, 60_000);
    expect(await jobClass(url, 'backfill')).to.include({ done: repo.total, failed: 0 });
    expectNoPageTwice(repo.state.completed);
    await until('every paper in the store', async () => ((await papers(url)) === repo.total ? true : undefined), 60_000);
  });

  it('answers 404 naming the classes for a class it does not have, and needs an admin key to pause', async () => {
    const repo = await startOaiRepository({ pages: 1, perPage: 1, delayMs: 0 });
    closers.push(repo.close);
    const dataDir = tempDataDir();
    const admin = apiKey(dataDir, ['admin']);
    const reader = apiKey(dataDir, ['write']);
    const node = spawnNode({ dataDir, env: offlineEnv(repo.url) });
    nodes.push(node);
    const url = await node.url;
    const unknown = await postJobs(url, admin, 'pause', { class: 'nope' });
    expect(unknown.status).to.equal(404);
    expect(unknown.body).to.include({ error: 'PAPERD_UNKNOWN_JOB_CLASS' });
    expect(String(unknown.body.message)).to.contain('backfill');
    expect((await postJobs(url, reader, 'pause')).status).to.equal(403);
    const wrongBody = await postJobs(url, admin, 'pause', { klass: 'backfill' });
    expect(wrongBody.status).to.equal(400);
    expect(String(wrongBody.body.message)).to.contain('{"class": NAME}');
    const bad = await postJobs(url, admin, 'backfill', { from: '2024-03-01', until: '2024-02-01' });
    expect(bad.status).to.equal(400);
    expect(String(bad.body.message)).to.contain('after');

    // The CLI: pause one class with an admin key, see it, resume everything.
    const paused = await runCli(['jobs', 'pause', '--class', 'backfill', '--url', url, '--json'], { PAPERD_API_KEY: admin });
    expect(paused.code, paused.stderr).to.equal(0);
    const named = (out: string, name: string) => (JSON.parse(out) as { classes: { name: string }[] }).classes.find((c) => c.name === name);
    expect(named(paused.stdout, 'backfill')).to.include({ paused: true, state: 'paused' });
    expect(named(paused.stdout, 'maintenance')).to.include({ paused: false });
    const table = await runCli(['jobs', '--url', url]);
    expect(table.stdout).to.match(/backfill\s+paused/);
    const refused = await runCli(['jobs', 'resume', '--class', 'nope', '--url', url], { PAPERD_API_KEY: admin });
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.contain('PAPERD_UNKNOWN_JOB_CLASS');
    const resumed = await runCli(['jobs', 'resume', '--url', url, '--json'], { PAPERD_API_KEY: admin });
    expect(named(resumed.stdout, 'backfill')).to.include({ paused: false });
    // Backfill handed to the node by the CLI.
    const handed = await runCli(['backfill', '--from', '2024-02-01', '--until', '2024-02-02', '--url', url, '--json'], { PAPERD_API_KEY: admin });
    expect(handed.code, handed.stderr).to.equal(0);
    expect(JSON.parse(handed.stdout).backfill).to.include({ from: '2024-02-01', until: '2024-02-02' });
    await until('the one-record backfill', async () => ((await jobClass(url, 'backfill')).done === 1 ? true : undefined));
    // The quality class ran off the online path; /v1/stats serves its report.
    const quality = await until('a quality report in /v1/stats', async () => {
      const stats = (await (await fetch(`${url}/v1/stats`)).json()) as { papers: number; quality: { papers: number; emptyAbstracts: number } | null };
      return stats.quality !== null && stats.quality.papers === 1 ? stats.quality : undefined;
    });
    expect(quality.emptyAbstracts).to.equal(0);
    expect((await jobs(url)).classes.map((c) => c.name)).to.include.members(['backfill', 'maintenance', 'ocr', 'quality']);
  });
});
