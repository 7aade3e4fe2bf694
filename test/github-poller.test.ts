import { expect } from 'chai';
import { MalformedJsonError } from '../src/errors.js';
import { entityId, type GraphFacts } from '../src/graph/facts.js';
import { githubPollerBehavior } from '../src/actors/github-poller.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { GithubClient, GithubPoller, githubRepoKey, MemoryEtagStore, type GithubClientOptions } from '../src/sources/github/index.js';
import { ActorSystem, ask } from '../src/supervisors/index.js';
import { FakeGithubServer, ghRelease, ghRepository } from './support/fake-github-server.js';
import { until } from './support/until.js';

const start = Date.parse('2025-03-06T12:00:00Z');

async function setup(options: { limit?: number; client?: Partial<GithubClientOptions>; watched?: string[] } = {}) {
  const clock = new ManualClock(start);
  const server = await FakeGithubServer.start({ now: () => clock.now(), limit: options.limit ?? 60 });
  const client = new GithubClient({ clock, random: () => 0.5, apiBaseUrl: server.url, resetSlackMs: 0, ...options.client, retry: { maxAttempts: 3, minDelayMs: 1_000, jitter: 0, ...options.client?.retry } });
  const etags = new MemoryEtagStore();
  const applied: GraphFacts[] = [];
  const poller = new GithubPoller({ client, etags, clock, watched: () => options.watched ?? ['OpenLab/Fast-Diffusion'], apply: (facts) => void applied.push(facts) });
  return { clock, server, client, etags, applied, poller };
}

/** Runs `work`, moving the manual clock over every wait the client enters; returns the waits with what had arrived by then. */
async function drive<T>(clock: ManualClock, client: GithubClient, server: FakeGithubServer, work: Promise<T>) {
  const waits: { until: number; delayMs: number; requestsSoFar: number }[] = [];
  let settled = false;
  const done = work.finally(() => void (settled = true));
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    const until = client.waitingUntil();
    if (until !== undefined) {
      waits.push({ until, delayMs: until - clock.now(), requestsSoFar: server.requests.length });
      clock.advance(until - clock.now());
    }
  }
  return { value: await done, waits };
}

describe('GitHub poller', () => {
  let server: FakeGithubServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('turns a repository and its latest release into facts, with implements edges to the papers its description names', async () => {
    const h = await setup({ client: { token: 'ghp_test' } });
    server = h.server;
    server.setRepository(
      'OpenLab/Fast-Diffusion',
      ghRepository('OpenLab/Fast-Diffusion', { description: 'Official code for arXiv:2503.01234 (see also https://arxiv.org/abs/2401.00001v2)' }),
      ghRelease('OpenLab/Fast-Diffusion', 'v1.2.0'),
    );

    const report = await h.poller.poll();

    expect(report).to.include({ repositories: 1, modified: 2, notModified: 0 });
    const repo = h.applied[0]!.entities[0]!;
    expect(entityId(repo)).to.equal('repository:github.com/openlab/fast-diffusion');
    expect(repo.attrs).to.deep.include({ stars: 1500, topics: ['deep-learning', 'diffusion'], license: 'Apache-2.0', pushed_at: '2025-03-06T08:59:00Z', archived: false });
    expect(h.applied[0]!.edges.map((e) => `${entityId(e.from)} ${e.kind} ${entityId(e.to)}`)).to.deep.equal([
      'repository:github.com/openlab/fast-diffusion implements paper:2503.01234',
      'repository:github.com/openlab/fast-diffusion implements paper:2401.00001',
    ]);
    expect(h.applied[1]!.entities[0]!.attrs).to.deep.equal({ latest_release: { tag_name: 'v1.2.0', name: 'Release v1.2.0', published_at: '2025-03-01T00:05:00Z' } });
    expect(server.requests[0]!.headers.authorization).to.equal('Bearer ghp_test');
    expect(server.requests[0]!.headers.accept).to.equal('application/vnd.github+json');
    expect(h.etags.values.size).to.equal(2);
  });

  it('sends the stored ETags, and a 304 yields no facts and costs no rate limit', async () => {
    const h = await setup();
    server = h.server;
    server.setRepository('openlab/fast-diffusion', ghRepository('OpenLab/Fast-Diffusion'), ghRelease('OpenLab/Fast-Diffusion', 'v1'));
    await h.poller.poll();
    const usedBefore = server.used;
    const remainingBefore = h.client.rateLimit().remaining;
    h.applied.length = 0;

    const report = await h.poller.poll();

    expect(report).to.include({ modified: 0, notModified: 2 });
    expect(h.applied).to.deep.equal([]);
    expect(server.requests.slice(-2).map((r) => [r.status, typeof r.headers['if-none-match']])).to.deep.equal([
      [304, 'string'],
      [304, 'string'],
    ]);
    expect(server.used).to.equal(usedBefore);
    expect(h.client.rateLimit().remaining).to.equal(remainingBefore);
  });

  it('sends nothing once the limit is spent until X-RateLimit-Reset, then goes on', async () => {
    const h = await setup({ limit: 1 });
    server = h.server;
    server.setRepository('openlab/fast-diffusion', ghRepository('OpenLab/Fast-Diffusion'), ghRelease('OpenLab/Fast-Diffusion', 'v1'));
    const resetAt = server.resetAt;

    const { value, waits } = await drive(h.clock, h.client, server, h.poller.poll());

    // The repository answer said 0 remaining: the release request waited for the reset before going out.
    expect(waits).to.deep.equal([{ until: resetAt * 1000, delayMs: resetAt * 1000 - start, requestsSoFar: 1 }]);
    expect(server.requests.map((r) => r.status)).to.deep.equal([200, 200]);
    expect(server.requests[1]!.at).to.equal(resetAt * 1000);
    expect(value.modified).to.equal(2);
  });

  it('answers a 403 rate limit exceeded by waiting for the reset, never hammering', async () => {
    const h = await setup();
    server = h.server;
    server.setRepository('openlab/fast-diffusion', ghRepository('OpenLab/Fast-Diffusion'));
    const resetAt = Math.ceil((start + 1_800_000) / 1000);
    server.exhaust(resetAt);

    const { value, waits } = await drive(h.clock, h.client, server, h.poller.poll());

    expect(waits).to.deep.equal([{ until: resetAt * 1000, delayMs: resetAt * 1000 - start, requestsSoFar: 1 }]);
    expect(server.requests.map((r) => [r.status, r.at])).to.deep.equal([
      [403, start],
      [200, resetAt * 1000],
      [404, resetAt * 1000],
    ]);
    expect(value).to.include({ modified: 1, notFound: 1 });
  });

  it('honours the Retry-After of a 429', async () => {
    const h = await setup();
    server = h.server;
    server.setRepository('openlab/fast-diffusion', ghRepository('OpenLab/Fast-Diffusion'));
    server.program('/repos/openlab/fast-diffusion', { type: 'status', status: 429, retryAfter: '30' });

    const { value, waits } = await drive(h.clock, h.client, server, h.poller.poll());

    expect(waits.map((w) => w.delayMs)).to.deep.equal([30_000]);
    expect(value.modified).to.equal(1);
  });

  it('skips a repository whose answer is malformed JSON, names the URL, and goes on with the others', async () => {
    const h = await setup({ watched: ['broken/repo', 'https://github.com/ok/repo'] });
    server = h.server;
    server.setRepository('broken/repo', ghRepository('broken/repo'));
    server.setRepository('ok/repo', ghRepository('ok/repo'));
    server.program('/repos/broken/repo', { type: 'malformed' });

    const report = await h.poller.poll();

    expect(report.failures).to.have.length(1);
    expect(report.failures[0]).to.include({ repository: 'github.com/broken/repo', code: new MalformedJsonError('github', '', '').code });
    expect(report.failures[0]!.message).to.include(`${server.url}/repos/broken/repo`);
    expect(h.applied.map((f) => entityId(f.entities[0]!))).to.deep.equal(['repository:github.com/ok/repo']);
    expect(h.etags.get(`${server.url}/repos/broken/repo`)).to.equal(undefined);
  });

  it('keys repositories as github.com/owner/name, lower-cased, from any common spelling', () => {
    expect(githubRepoKey('https://github.com/OpenLab/Fast-Diffusion.git')).to.equal('github.com/openlab/fast-diffusion');
    expect(githubRepoKey('https://www.github.com/a/b/tree/main/src')).to.equal('github.com/a/b');
    expect(githubRepoKey('git@github.com:A/B.git')).to.equal(undefined);
    expect(githubRepoKey('github.com/A/b')).to.equal('github.com/a/b');
    expect(githubRepoKey('Owner/Repo')).to.equal('github.com/owner/repo');
    expect(githubRepoKey('https://gitlab.com/a/b')).to.equal(undefined);
    expect(githubRepoKey('https://github.com/a')).to.equal(undefined);
  });
});

describe('GitHub poller actor', () => {
  it('polls at start, answers an ask with the report, and polls again after its interval', async () => {
    const h = await setup();
    h.server.setRepository('openlab/fast-diffusion', ghRepository('OpenLab/Fast-Diffusion'));
    const system = new ActorSystem({ clock: h.clock, random: () => 0 });
    try {
      const worker = system.worker('github-poller', githubPollerBehavior({ client: h.client, etags: h.etags, watched: () => ['openlab/fast-diffusion'], apply: (f) => void h.applied.push(f), intervalMs: 3_600_000 }));
      await system.start(system.supervisor('sources', [worker], { strategy: 'one_for_one', backoff: { minMs: 0, jitter: 0 } }), () => {});
      const report = await ask(worker.ref, { type: 'githubPoll' }, 5_000);
      expect(report).to.include({ repositories: 1 });
      const before = h.server.requests.length;
      expect(h.clock.pendingDelays()).to.include(3_600_000);
      h.clock.advance(3_600_000);
      // The interval's poll: the repository (unchanged, 304) and its latest release (none, 404).
      await until('the second poll', async () => (h.server.requests.length >= before + 2 ? true : undefined), 5_000);
      expect(h.server.requests.slice(before).map((r) => r.status)).to.deep.equal([304, 404]);
    } finally {
      await system.shutdown();
      await h.server.close();
    }
  });
});
