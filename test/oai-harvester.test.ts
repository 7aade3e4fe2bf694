import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { OaiHarvestStalledError } from '../src/errors.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import type { TimerHandle } from '../src/runtime/clock.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { MemoryCheckpointStore, OaiHarvestCheckpoint, oaiHarvestKey, readCheckpoint } from '../src/sources/arxiv/harvest-checkpoint.js';
import { ArxivHttpClient } from '../src/sources/arxiv/http-client.js';
import { harvest, type HarvestOptions, type HarvestProgress, type RecordSink } from '../src/sources/arxiv/oai-harvester.js';
import { ArxivRateLimiter, type ArxivPriority } from '../src/sources/arxiv/rate-limiter.js';
import { allIds, firstQuery, listPage, oaiError, pages, rawRecord, scope } from './support/oai-pages.js';

interface Reply {
  readonly status?: number;
  readonly body: string;
  readonly retryAfter?: string;
}

/** A local OAI-PMH repository answering by query: the default routes serve the three pages. */
async function startRepository(routes: Record<string, string>) {
  const requests: string[] = [];
  const failures: Reply[] = [];
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').search.slice(1);
    requests.push(query);
    const reply: Reply = failures.shift() ?? (routes[query] === undefined ? { status: 400, body: oaiError('badArgument', query) } : { body: routes[query]! });
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/xml', ...(reply.retryAfter ? { 'retry-after': reply.retryAfter } : {}) });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oai`;
  return { url, requests, failures, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const threePages = { [firstQuery]: pages.first, 'verb=ListRecords&resumptionToken=tok1': pages.second, 'verb=ListRecords&resumptionToken=tok2': pages.third };

/** A ManualClock that says when a timer of a given delay is armed, so a test advances exactly then. */
class WatchedClock extends ManualClock {
  private readonly watchers: { match: (ms: number) => boolean; resolve: () => void }[] = [];

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle = super.setTimeout(fn, ms);
    const index = this.watchers.findIndex((w) => w.match(ms));
    if (index >= 0) this.watchers.splice(index, 1)[0]!.resolve();
    return handle;
  }

  armed(match: (ms: number) => boolean): Promise<void> {
    return new Promise((resolve) => this.watchers.push({ match, resolve }));
  }
}

/** The journal in memory: dedup on (id, version); `failBefore`/`failAfter` crash once, on that call (1-based). */
class MemorySink implements RecordSink {
  readonly records = new Map<string, PaperRecord>();
  /** The calls that wrote. */
  readonly calls: { priority: ArxivPriority; ids: string[] }[] = [];
  duplicates = 0;
  private attempts = 0;

  constructor(private readonly crash: { failBefore?: number; failAfter?: number } = {}) {}

  async accept(records: readonly PaperRecord[], priority: ArxivPriority) {
    const call = ++this.attempts;
    if (call === this.crash.failBefore) throw new Error('journal unavailable');
    this.calls.push({ priority, ids: records.map((r) => r.id) });
    let accepted = 0;
    for (const r of records) {
      const key = `${r.id}v${r.version}`;
      if (this.records.has(key)) this.duplicates++;
      else (this.records.set(key, r), accepted++);
    }
    if (call === this.crash.failAfter) throw new Error('crashed after the commit, before the checkpoint');
    return { accepted, duplicates: records.length - accepted };
  }

  ids(): string[] {
    return [...this.records.values()].map((r) => r.id).sort();
  }
}

describe('OAI-PMH harvester', () => {
  let repo: Awaited<ReturnType<typeof startRepository>>;
  let clock: WatchedClock;
  let checkpoints: MemoryCheckpointStore;
  const key = oaiHarvestKey({ metadataPrefix: 'arXivRaw', ...scope });

  async function run(routes: Record<string, string>) {
    repo = await startRepository(routes);
  }

  function options(sink: RecordSink, extra: Partial<HarvestOptions> = {}): HarvestOptions {
    const client = new ArxivHttpClient({
      limiter: new ArxivRateLimiter({ clock, intervalMs: 0 }),
      clock,
      random: () => 0.5,
      baseUrls: { oai: repo.url },
      retry: { maxAttempts: 3, minDelayMs: 10, maxDelayMs: 1_000, jitter: 0, maxRetryAfterMs: 60_000 },
    });
    return { client, sink, checkpoints, ...scope, ...extra };
  }

  const stored = () => readCheckpoint(checkpoints, key, OaiHarvestCheckpoint);
  const failure = (p: Promise<unknown>) => p.then(() => expect.fail('expected the harvest to fail'), (e: unknown) => e);

  beforeEach(() => {
    clock = new WatchedClock(Date.UTC(2024, 1, 1));
    checkpoints = new MemoryCheckpointStore();
  });
  afterEach(async () => {
    await repo.close();
  });

  it('pages through three pages by resumption token, accepting each at offline priority', async () => {
    await run(threePages);
    const progress: HarvestProgress[] = [];
    const sink = new MemorySink();
    const result = await harvest(options(sink, { onProgress: (p) => progress.push(p) }));
    expect(repo.requests).to.deep.equal([firstQuery, 'verb=ListRecords&resumptionToken=tok1', 'verb=ListRecords&resumptionToken=tok2']);
    expect(sink.ids()).to.deep.equal(allIds);
    expect(sink.calls.map((c) => c.priority)).to.deep.equal(['offline', 'offline', 'offline']);
    expect(result).to.include({ pages: 3, records: 5, accepted: 5, duplicates: 0, deleted: 1, alreadyComplete: false, resumed: false });
    expect(progress).to.deep.equal([
      { pages: 1, records: 2, deleted: 0, completeListSize: 6, cursor: 0 },
      { pages: 2, records: 3, deleted: 1, completeListSize: 6, cursor: 2 },
      { pages: 3, records: 5, deleted: 1 },
    ]);
    expect(stored()).to.include({ state: 'complete', pages: 3, lastDatestamp: '2024-01-05' }).and.not.have.property('token');
  });

  it('counts deleted records and does not ingest them', async () => {
    await run(threePages);
    const sink = new MemorySink();
    const result = await harvest(options(sink));
    expect(result.deleted).to.equal(1);
    expect(sink.calls.flatMap((c) => c.ids)).to.not.include('2401.00004');
  });

  it('requests nothing when the same harvest has already completed', async () => {
    await run(threePages);
    await harvest(options(new MemorySink()));
    const sink = new MemorySink();
    const again = await harvest(options(sink));
    expect(repo.requests).to.have.length(3);
    expect(sink.calls).to.deep.equal([]);
    expect(again).to.include({ alreadyComplete: true, pages: 3, records: 5 });
  });

  it('resumes after a sink failure on page 3 from the last accepted page: every record exactly once', async () => {
    await run(threePages);
    const sink = new MemorySink({ failBefore: 3 });
    expect(await failure(harvest(options(sink)))).to.have.property('message', 'journal unavailable');
    expect(stored()).to.include({ state: 'running', token: 'tok2', pages: 2, cursor: 2, completeListSize: 6, lastDatestamp: '2024-01-03' });

    const resumed = await harvest(options(sink));
    expect(repo.requests.slice(3)).to.deep.equal(['verb=ListRecords&resumptionToken=tok2']);
    expect(sink.ids()).to.deep.equal(allIds);
    expect(sink.duplicates).to.equal(0);
    expect(resumed).to.include({ resumed: true, pages: 3, records: 5 });
    expect(stored()).to.include({ state: 'complete' });
  });

  it('resumes after an abort between pages 2 and 3', async () => {
    await run(threePages);
    const controller = new AbortController();
    const sink = new MemorySink();
    const stopAfterTwo = (p: HarvestProgress) => p.pages === 2 && controller.abort(new Error('operator pressed ^C'));
    expect(await failure(harvest(options(sink, { signal: controller.signal, onProgress: stopAfterTwo })))).to.have.property('message', 'operator pressed ^C');
    expect(repo.requests).to.have.length(2);

    await harvest(options(sink));
    expect(sink.ids()).to.deep.equal(allIds);
    expect(sink.duplicates).to.equal(0);
    expect(stored()).to.include({ state: 'complete', pages: 3 });
  });

  it('re-accepts at most the last page when the crash fell between its commit and the checkpoint', async () => {
    await run(threePages);
    const sink = new MemorySink({ failAfter: 2 });
    await failure(harvest(options(sink)));
    expect(stored()).to.include({ token: 'tok1', pages: 1 });

    await harvest(options(sink));
    expect(sink.ids()).to.deep.equal(allIds);
    expect(sink.calls.map((c) => c.ids)).to.deep.equal([['2401.00001', '2401.00002'], ['2401.00003'], ['2401.00003'], ['2401.00005', '2401.00006']]);
    expect(sink.duplicates).to.equal(1);
  });

  it('restarts from the last datestamp seen, not from the start, when a resumption token has expired', async () => {
    const restart = 'verb=ListRecords&metadataPrefix=arXivRaw&from=2024-01-03&until=2024-01-31&set=cs';
    await run({
      ...threePages,
      'verb=ListRecords&resumptionToken=tok2': oaiError('badResumptionToken', 'The value of the resumptionToken argument is invalid or expired.'),
      [restart]: listPage([rawRecord('2401.00003', '2024-01-03'), rawRecord('2401.00005', '2024-01-04'), rawRecord('2401.00006', '2024-01-05')]),
    });
    const sink = new MemorySink();
    const result = await harvest(options(sink));
    expect(repo.requests).to.deep.equal([firstQuery, 'verb=ListRecords&resumptionToken=tok1', 'verb=ListRecords&resumptionToken=tok2', restart]);
    expect(sink.ids()).to.deep.equal(allIds);
    expect(result).to.include({ restarts: 1, pages: 3 });
    expect(stored()).to.include({ state: 'complete', listFrom: '2024-01-03' });
  });

  it('gives up when the repository keeps refusing tokens without the datestamp moving', async () => {
    const restart = 'verb=ListRecords&metadataPrefix=arXivRaw&from=2024-01-02&until=2024-01-31&set=cs';
    await run({
      [firstQuery]: pages.first,
      [restart]: pages.first,
      'verb=ListRecords&resumptionToken=tok1': oaiError('badResumptionToken', 'expired'),
    });
    const error = await failure(harvest(options(new MemorySink(), { maxTokenRestarts: 2 })));
    expect(error).to.be.instanceOf(OaiHarvestStalledError);
    // The first list, then (refused token, restart) twice, then the third refusal.
    expect(repo.requests).to.have.length(6);
  });

  it('finishes with zero records on noRecordsMatch', async () => {
    await run({ [firstQuery]: oaiError('noRecordsMatch', 'The combination of the values of the from, until, set and metadataPrefix arguments results in an empty list.') });
    const sink = new MemorySink();
    const result = await harvest(options(sink));
    expect(result).to.include({ pages: 1, records: 0, accepted: 0 });
    expect(sink.calls).to.deep.equal([]);
    expect(stored()).to.include({ state: 'complete' });
  });

  it('waits out a 503 with Retry-After in the middle through the client, then carries on', async () => {
    await run(threePages);
    const sink = new MemorySink();
    const armed = clock.armed((ms) => ms === 2_000);
    const onProgress = (p: HarvestProgress) => p.pages === 1 && repo.failures.push({ status: 503, body: 'busy', retryAfter: '2' });
    const done = harvest(options(sink, { onProgress }));
    await armed;
    clock.advance(2_000);
    const result = await done;
    expect(repo.requests).to.deep.equal([
      firstQuery,
      'verb=ListRecords&resumptionToken=tok1',
      'verb=ListRecords&resumptionToken=tok1',
      'verb=ListRecords&resumptionToken=tok2',
    ]);
    expect(result).to.include({ pages: 3, records: 5 });
    expect(sink.ids()).to.deep.equal(allIds);
  });
});
