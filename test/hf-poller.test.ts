import { expect } from 'chai';
import { MalformedJsonError, RemoteBodyTooLargeError, RemoteUnavailableError } from '../src/errors.js';
import { entityId, type FactProvenance, type GraphFacts } from '../src/graph/facts.js';
import { systemClock, type Clock } from '../src/runtime/clock.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { MemoryCheckpointStore } from '../src/sources/arxiv/harvest-checkpoint.js';
import { HuggingfaceClient, HuggingfacePoller, hfDayCheckpointKey, type HuggingfaceClientOptions } from '../src/sources/huggingface/index.js';
import { FakeHuggingfaceServer, hfListedModel, hfPaper, hfRepoDataset, hfRepoModel, hfRepoSpace } from './support/fake-huggingface-server.js';

const day = '2025-03-04';
/** Two days after `day`: its list is final. */
const now = Date.parse('2025-03-06T12:00:00Z');

function harness(server: FakeHuggingfaceServer, options: { clock?: Clock; client?: Partial<HuggingfaceClientOptions> } = {}) {
  const clock = options.clock ?? new ManualClock(now);
  const client = new HuggingfaceClient({ clock, random: () => 0.5, baseUrl: server.url, ...options.client, retry: { maxAttempts: 3, minDelayMs: 1_000, jitter: 0, ...options.client?.retry } });
  const applied: { facts: GraphFacts; provenance: FactProvenance }[] = [];
  const checkpoints = new MemoryCheckpointStore();
  const poller = new HuggingfacePoller({ client, checkpoints, clock, lookbackDays: 1, apply: (facts, provenance) => void applied.push({ facts, provenance }) });
  return { clock, client, applied, checkpoints, poller };
}

/** Runs `work`, moving the manual clock over every wait the client enters; returns the waits, in ms. */
async function drive<T>(clock: ManualClock, client: HuggingfaceClient, work: Promise<T>): Promise<{ value: T; waits: number[] }> {
  const waits: number[] = [];
  let settled = false;
  const done = work.finally(() => void (settled = true));
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    const until = client.waitingUntil();
    if (until !== undefined) {
      waits.push(until - clock.now());
      clock.advance(until - clock.now());
    }
  }
  return { value: await done, waits };
}

function merged(applied: { facts: GraphFacts }[]) {
  const entities = new Map<string, Record<string, unknown>>();
  const edges = new Set<string>();
  for (const { facts } of applied) {
    for (const e of facts.entities) entities.set(entityId(e), { ...entities.get(entityId(e)), ...e, attrs: { ...(entities.get(entityId(e))?.attrs as object), ...e.attrs } });
    for (const e of facts.edges) edges.add(`${entityId(e.from)} ${e.kind} ${entityId(e.to)}`);
  }
  return { entities, edges };
}

describe('Hugging Face poller', () => {
  let server: FakeHuggingfaceServer;
  beforeEach(async () => {
    server = await FakeHuggingfaceServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('turns a day of daily papers and what cites them into paper, model, dataset, space and repository facts with their links', async () => {
    server.addDay(day, [hfPaper('2503.01234', { githubRepo: 'https://github.com/OpenLab/Fast-Diffusion.git', githubStars: 812 }), hfPaper('2503.05678')]);
    server.setRepos('2503.01234', { models: [hfRepoModel('openlab/fast-diffusion-7b')], datasets: [hfRepoDataset('openlab/pairs-1m')], spaces: [hfRepoSpace('openlab/fast-diffusion-demo')] });
    server.models.push(hfListedModel('someone/fast-diffusion-gguf', { tags: ['gguf', 'arxiv:2503.01234', 'region:us'] }), hfListedModel('other/unrelated', { tags: ['arxiv:1706.03762'] }));
    const { poller, applied } = harness(server);

    const report = await poller.syncDay(day);

    expect(report).to.include({ date: day, papers: 2, finished: true });
    expect(report.failures).to.deep.equal([]);
    expect(applied.every((a) => a.provenance.source === 'hf-poller' && a.provenance.at === now)).to.equal(true);
    const { entities, edges } = merged(applied);
    expect(entities.get('paper:2503.01234')).to.include({ name: 'A paper numbered 2503.01234' });
    expect(entities.get('paper:2503.01234')!.attrs).to.include({ hf_upvotes: 42 });
    expect(entities.get('model:openlab/fast-diffusion-7b')!.attrs).to.include({ likes: 56, downloads: 1234, pipeline_tag: 'text-generation' });
    expect(entities.get('model:someone/fast-diffusion-gguf')!.attrs).to.deep.include({ tags: ['gguf', 'arxiv:2503.01234', 'region:us'] });
    expect(entities.get('dataset:openlab/pairs-1m')!.attrs).to.include({ likes: 7, downloads: 321 });
    expect(entities.get('space:openlab/fast-diffusion-demo')!.attrs).to.include({ likes: 3, sdk: 'gradio' });
    expect(entities.get('repository:github.com/openlab/fast-diffusion')!.attrs).to.include({ stars: 812 });
    expect(entities.has('model:other/unrelated')).to.equal(false);
    expect([...edges]).to.include.members([
      'paper:2503.01234 introduces model:openlab/fast-diffusion-7b',
      'paper:2503.01234 introduces model:someone/fast-diffusion-gguf',
      'paper:2503.01234 uses_dataset dataset:openlab/pairs-1m',
      'paper:2503.01234 has_code repository:github.com/openlab/fast-diffusion',
      'space:openlab/fast-diffusion-demo implements paper:2503.01234',
      'author:ada lovelace authored paper:2503.01234',
      'author:alan turing authored paper:2503.05678',
    ]);
    expect(server.requestsTo('/api/models')[0]!.url).to.equal('/api/models?filter=arxiv%3A2503.01234');
  });

  it('waits out a 429 for as long as its Retry-After asks, then goes on', async () => {
    server.addDay(day, [hfPaper('2503.01234')]);
    server.program('/api/daily_papers', { type: 'status', status: 429, retryAfter: '7' });
    const { poller, client, clock } = harness(server);

    const { value, waits } = await drive(clock as ManualClock, client, poller.syncDay(day));

    expect(waits).to.deep.equal([7_000]);
    expect(value.papers).to.equal(1);
    expect(server.requestsTo('/api/daily_papers')).to.have.length(2);
  });

  it('retries 5xx with growing backoff a bounded number of times, then fails naming the URL', async () => {
    server.program('/api/daily_papers', { type: 'status', status: 503 }, 5);
    const { poller, client, clock } = harness(server);

    const failure = await drive(clock as ManualClock, client, poller.syncDay(day).then(() => expect.fail('expected a failure'), (e: unknown) => e));

    expect(failure.waits).to.deep.equal([1_000, 2_000]);
    expect(failure.value).to.be.instanceOf(RemoteUnavailableError).and.include({ lastStatus: 503, attempts: 3 });
    expect((failure.value as Error).message).to.include(`/api/daily_papers?date=${day}`);
    expect(server.requestsTo('/api/daily_papers')).to.have.length(3);
  });

  it('skips a paper whose links come back as malformed JSON, names the URL, and goes on with the others', async () => {
    server.addDay(day, [hfPaper('2503.01234'), hfPaper('2503.05678')]);
    server.setRepos('2503.05678', { models: [hfRepoModel('lab/model-b')] });
    server.program('/api/arxiv/2503.01234/repos', { type: 'malformed' });
    const { poller, applied, checkpoints } = harness(server);

    const report = await poller.syncDay(day);

    expect(report.failures).to.have.length(1);
    expect(report.failures[0]).to.include({ paper: '2503.01234', code: new MalformedJsonError('huggingface', '', '').code, url: `${server.url}/api/arxiv/2503.01234/repos` });
    expect(report.failures[0]!.message).to.include(`${server.url}/api/arxiv/2503.01234/repos`);
    const { edges } = merged(applied);
    expect([...edges]).to.include('paper:2503.05678 introduces model:lab/model-b');
    // A malformed answer will not mend by asking again: the day is still finished.
    expect(checkpoints.get(hfDayCheckpointKey(day))).to.be.a('string');
  });

  it('does not ask again for a day a checkpoint says is finished, and keeps polling days that are not final yet', async () => {
    server.addDay(day, [hfPaper('2503.01234')]);
    const first = harness(server);
    await first.poller.syncDay(day);
    const today = '2025-03-06';
    server.addDay(today, [hfPaper('2503.09999')]);

    // A restarted node: new client and poller, the same checkpoints.
    const clock = new ManualClock(now);
    const client = new HuggingfaceClient({ clock, baseUrl: server.url });
    const poller = new HuggingfacePoller({ client, clock, checkpoints: first.checkpoints, lookbackDays: 3, apply: () => undefined });
    const before = server.requestsTo('/api/daily_papers').length;
    const report = await poller.poll();

    expect(report.skipped).to.deep.equal([day]);
    expect(report.days.map((d) => [d.date, d.finished])).to.deep.equal([
      ['2025-03-05', true],
      [today, false],
    ]);
    const asked = server.requestsTo('/api/daily_papers').slice(before).map((r) => r.url);
    expect(asked).to.deep.equal(['/api/daily_papers?date=2025-03-05', `/api/daily_papers?date=${today}`]);
    expect(first.checkpoints.get(hfDayCheckpointKey(today))).to.equal(undefined);
  });

  it('retries a request that times out waiting for its headers', async () => {
    server.addDay(day, [hfPaper('2503.01234')]);
    server.program('/api/daily_papers', { type: 'hang' });
    const { poller } = harness(server, { clock: systemClock(), client: { headersTimeoutMs: 150, totalTimeoutMs: 1_000, retry: { minDelayMs: 10 } } });

    const report = await poller.syncDay(day);

    expect(report.papers).to.equal(1);
    expect(server.requestsTo('/api/daily_papers')).to.have.length(2);
  });

  it('stops reading a body over the cap and skips that paper', async () => {
    server.addDay(day, [hfPaper('2503.01234')]);
    server.program('/api/arxiv/2503.01234/repos', { type: 'huge', bytes: 200_000 });
    const { poller } = harness(server, { client: { maxBodyBytes: 64 * 1024 } });

    const report = await poller.syncDay(day);

    expect(report.failures[0]).to.include({ paper: '2503.01234', code: new RemoteBodyTooLargeError('huggingface', '', 0).code });
  });

  it('reads one paper page by arXiv id, and answers undefined for a paper the Hub does not know', async () => {
    server.addDay(day, [hfPaper('2503.01234', { githubRepo: 'https://github.com/a/b' })]);
    const { poller } = harness(server);

    const facts = await poller.syncPaper('2503.01234');
    expect(facts!.edges.map((e) => `${e.kind} ${entityId(e.to)}`)).to.include('has_code repository:github.com/a/b');
    expect(await poller.syncPaper('2501.00000')).to.equal(undefined);
  });
});
