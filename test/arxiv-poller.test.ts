import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { arxivPollerBehavior, type ArxivPollerDeps } from '../src/actors/arxiv-poller.js';
import type { ArxivPollerMessage, ArxivPollerReplies } from '../src/protocols/arxiv-poller.js';
import type { PaperRecord } from '../src/protocols/paper.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { AnnouncementCheckpoint, announcementKey, MemoryCheckpointStore, readCheckpoint } from '../src/sources/arxiv/harvest-checkpoint.js';
import { ArxivHttpClient } from '../src/sources/arxiv/http-client.js';
import type { RecordSink } from '../src/sources/arxiv/oai-harvester.js';
import { ArxivPoller, defaultArxivCategories, defaultListingPollPolicy, pollBackoffMs } from '../src/sources/arxiv/poller.js';
import { ArxivRateLimiter, type ArxivPriority } from '../src/sources/arxiv/rate-limiter.js';
import { latestAnnouncement, nextPollTime } from '../src/sources/arxiv/schedule.js';
import { ActorSystem, ask, tell, type ActorRef } from '../src/supervisors/index.js';
import { settle } from './support/actors.js';
import { requireShared, sharedPath } from './support/shared.js';
import { apiPage, listingFeed } from './support/arxiv-feeds.js';

/** Sunday 2024-02-04 20:00 New York; the Monday listing carries it. */
const sundayListing = listingFeed('2024-02-05T05:00:00Z', [['2402.01001v1', 'new'], ['2402.01002v1', 'cross'], ['2310.05555v3', 'replace']]);
const sunday = latestAnnouncement(Date.parse('2024-02-05T05:00:00Z'));
/** Page 1 is inside the first run's window; page 2 reaches entries before it (earlier than Thursday's announcement less 72 h). */
const sundayApi: Record<string, string> = {
  '0': apiPage(0, 1000, [['2402.01001v1', '2024-02-02T10:00:00Z'], ['2310.05555v3', '2024-02-01T09:00:00Z']]),
  '2': apiPage(2, 1000, [['2402.00900v1', '2024-01-31T10:00:00Z'], ['2401.09999v1', '2024-01-29T10:00:00Z']]),
};
const listingPath = '/atom/cs.LG+cs.CL+cs.CV+cs.AI+stat.ML';

interface Reply {
  readonly status?: number;
  readonly body: string;
}

/** A local arXiv: the listing at its path, export API pages by `start`. */
async function startArxiv() {
  const site = { listing: { body: sundayListing } as Reply, api: sundayApi as Record<string, string | Reply>, requests: [] as URL[] };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    site.requests.push(url);
    const page = site.api[url.searchParams.get('start') ?? ''];
    const reply: Reply =
      url.pathname === listingPath ? site.listing : url.pathname === '/api/query' && page !== undefined ? (typeof page === 'string' ? { body: page } : page) : { status: 404, body: 'no such page' };
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/atom+xml' });
    res.end(reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { site, base, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The journal in memory: dedup on (id, version, source), so the API's fuller record is not a duplicate of the listing's. */
class MemorySink implements RecordSink {
  readonly keys = new Set<string>();
  readonly calls: { priority: ArxivPriority; records: PaperRecord[] }[] = [];
  capacityChecks = 0;

  async accept(records: readonly PaperRecord[], priority: ArxivPriority) {
    this.calls.push({ priority, records: [...records] });
    const before = this.keys.size;
    for (const r of records) this.keys.add(`${r.source}:${r.id}v${r.version}`);
    const accepted = this.keys.size - before;
    return { accepted, duplicates: records.length - accepted };
  }

  async waitForCapacity(): Promise<void> {
    this.capacityChecks++;
  }
}

/** Compile-time checks (run by `tsc`): the poller's ref takes only its own messages. */
function typeChecks(ref: ActorRef<ArxivPollerMessage, ArxivPollerReplies>): void {
  // @ts-expect-error a tick names the timer it belongs to
  tell(ref, { type: 'tick' });
  // @ts-expect-error not a message of the poller
  tell(ref, { type: 'childExited', id: 'x', incarnation: 1 });
  // @ts-expect-error `tick` has no reply, so it cannot be asked
  void ask(ref, { type: 'tick', seq: 1 }, 10);
}
void typeChecks;

describe('arXiv poller', () => {
  let arxiv: Awaited<ReturnType<typeof startArxiv>>;
  let clock: ManualClock;
  let checkpoints: MemoryCheckpointStore;
  let sink: MemorySink;
  const key = announcementKey(defaultArxivCategories);

  beforeEach(async () => {
    arxiv = await startArxiv();
    clock = new ManualClock(Date.parse('2024-02-05T01:10:00Z'));
    checkpoints = new MemoryCheckpointStore();
    sink = new MemorySink();
  });
  afterEach(async () => {
    await arxiv.close();
  });

  function deps(extra: Partial<ArxivPollerDeps> = {}): ArxivPollerDeps {
    const client = new ArxivHttpClient({
      limiter: new ArxivRateLimiter({ clock, intervalMs: 0 }),
      clock,
      random: () => 0.5,
      baseUrls: { api: `${arxiv.base}/api/query`, listings: `${arxiv.base}/atom` },
      retry: { maxAttempts: 1 },
    });
    return { client, sink, checkpoints, pageSize: 2, maxPages: 5, pollOnStart: false, ...extra };
  }

  const checkpoint = () => readCheckpoint(checkpoints, key, AnnouncementCheckpoint);
  const paths = () => arxiv.site.requests.map((u) => (u.pathname === '/api/query' ? `api start=${u.searchParams.get('start')}` : 'listing'));

  describe('polling logic', () => {
    it('ingests a new announcement: the listing at hot priority, then API pages until entries older than its window', async () => {
      const outcome = await new ArxivPoller(deps()).poll(clock.now());
      expect(outcome).to.include({ type: 'ingested', announcementMs: sunday, listed: 3, apiPages: 2, apiEntries: 3, pageBudgetExhausted: false });
      expect(paths()).to.deep.equal(['listing', 'api start=0', 'api start=2']);
      const query = arxiv.site.requests[1]!.searchParams;
      expect(query.get('search_query')).to.equal('cat:cs.LG OR cat:cs.CL OR cat:cs.CV OR cat:cs.AI OR cat:stat.ML');
      expect([query.get('sortBy'), query.get('sortOrder'), query.get('max_results')]).to.deep.equal(['lastUpdatedDate', 'descending', '2']);
      const [listed, ...api] = sink.calls;
      expect(listed!.records.map((r) => [r.id, r.source, r.announceType])).to.deep.equal([
        ['2402.01001', 'arxiv-listing', 'new'],
        ['2402.01002', 'arxiv-listing', 'cross'],
        ['2310.05555', 'arxiv-listing', 'replace'],
      ]);
      expect(api.flatMap((c) => c.records.map((r) => r.id))).to.deep.equal(['2402.01001', '2310.05555', '2402.00900']);
      expect(sink.calls.map((c) => c.priority)).to.deep.equal(['hot', 'hot', 'hot']);
      expect(sink.capacityChecks).to.equal(3);
      expect(checkpoint()).to.include({ announcementMs: sunday, apiHighWater: '2024-02-02T10:00:00Z' });
    });

    it('accepts nothing on a second poll of the same listing and asks only for the listing', async () => {
      const poller = new ArxivPoller(deps());
      await poller.poll(clock.now());
      const calls = sink.calls.length;
      const requests = arxiv.site.requests.length;
      expect(await poller.poll(clock.now())).to.deep.equal({ type: 'unchanged', announcementMs: sunday, feedUpdated: '2024-02-05T05:00:00Z' });
      expect(sink.calls).to.have.length(calls);
      expect(arxiv.site.requests).to.have.length(requests + 1);
    });

    it('stops paging the next announcement at the entries the previous one saw', async () => {
      const poller = new ArxivPoller(deps());
      await poller.poll(clock.now());
      arxiv.site.requests.length = 0;
      arxiv.site.listing = { body: listingFeed('2024-02-06T05:00:00Z', [['2402.02001v1', 'new']]) };
      arxiv.site.api = {
        '0': apiPage(0, 1000, [['2402.02001v1', '2024-02-05T12:00:00Z'], ['2402.02002v1', '2024-02-05T11:00:00Z']]),
        '2': apiPage(2, 1000, [['2402.02003v1', '2024-02-03T11:00:00Z'], ['2402.01001v1', '2024-02-02T10:00:00Z'], ['2310.05555v3', '2024-02-01T09:00:00Z']]),
      };
      const outcome = await poller.poll(clock.now());
      expect(outcome).to.include({ type: 'ingested', apiPages: 2, apiEntries: 4 });
      expect(paths()).to.deep.equal(['listing', 'api start=0', 'api start=2']);
      expect(sink.calls.at(-1)!.records.map((r) => r.id)).to.deep.equal(['2402.02003', '2402.01001']);
      expect(checkpoint()).to.include({ apiHighWater: '2024-02-05T12:00:00Z' });
    });
  });

  describe('actor', () => {
    let system: ActorSystem | undefined;
    async function startPoller(extra: Partial<ArxivPollerDeps> = {}) {
      system = new ActorSystem({ clock });
      const poller = system.worker('arxiv-poller', arxivPollerBehavior(deps(extra)));
      await system.start(system.supervisor('sources', [poller]), () => {});
      return poller.ref;
    }
    const node = () => system!.registry.get('sources/arxiv-poller')!;
    afterEach(async () => {
      await system?.shutdown();
      system = undefined;
    });

    it('arms its next tick at the time nextPollTime gives after a poll', async () => {
      const ref = await startPoller();
      const report = await ask(ref, { type: 'poll' }, 10_000);
      const plan = nextPollTime(clock.now(), sunday, defaultListingPollPolicy);
      expect(report).to.include({ outcome: 'ingested', nextPollAt: new Date(plan.at).toISOString() });
      expect(clock.pendingDelays()).to.deep.equal([plan.at - clock.now()]);
    });

    it('polls when its tick fires, and ignores a tick whose timer was replaced', async () => {
      const ref = await startPoller();
      const firstDelay = clock.pendingDelays()[0]!;
      await ask(ref, { type: 'poll' }, 10_000);
      // The timer armed at start was replaced by the poll's: its tick is stale.
      tell(ref, { type: 'tick', seq: 1 });
      clock.advance(clock.pendingDelays()[0]!);
      const after = await ask(ref, { type: 'poll' }, 10_000);
      expect(firstDelay).to.equal(nextPollTime(Date.parse('2024-02-05T01:10:00Z'), undefined, defaultListingPollPolicy).at - Date.parse('2024-02-05T01:10:00Z'));
      expect(paths().filter((p) => p === 'listing')).to.have.length(3);
      expect(after.outcome).to.equal('unchanged');
    });

    it('retries later after an API error feed, leaving the checkpoint as it was', async function () {
      requireShared(this, 'arxiv-api');
      const recorded = JSON.parse(readFileSync(sharedPath('fixtures', 'arxiv-api', 'id_abc_s0_m100_b79c8dcf6bc3.json'), 'utf8')) as { status_code: number; body: string };
      arxiv.site.api = { '0': { status: recorded.status_code, body: recorded.body } };
      const ref = await startPoller();
      const failed = await ask(ref, { type: 'poll' }, 10_000);
      expect(failed.outcome).to.equal('failed');
      expect(failed.error).to.match(/^PAPERD_ARXIV_API_ERROR: .*incorrect id format for abc/);
      expect(checkpoints.values.has(key)).to.equal(false);
      expect(clock.pendingDelays()).to.deep.equal([pollBackoffMs(1)]);

      arxiv.site.api = sundayApi;
      clock.advance(pollBackoffMs(1));
      // Handled after the tick's poll: finding the announcement already ingested shows the tick did it.
      const after = await ask(ref, { type: 'poll' }, 10_000);
      expect(after.outcome).to.equal('unchanged');
      expect(checkpoint()).to.include({ announcementMs: sunday });
    });

    it('backs off longer after each failure in a row, without crashing', async () => {
      arxiv.site.listing = { status: 404, body: 'not found' };
      const ref = await startPoller();
      expect((await ask(ref, { type: 'poll' }, 10_000)).error).to.match(/^PAPERD_ARXIV_UNEXPECTED_STATUS/);
      await ask(ref, { type: 'poll' }, 10_000);
      // The reply comes from inside the handler; the state it returns is committed a turn later.
      await settle(1);
      expect(clock.pendingDelays()).to.deep.equal([pollBackoffMs(2)]);
      expect(pollBackoffMs(2)).to.be.greaterThan(pollBackoffMs(1));
      expect(node()).to.include({ restarts: 0, status: 'running' });
      expect(node().summary()).to.include({ consecutiveFailures: 2, lastOutcome: 'failed', entriesAccepted: 0 });
    });

    it('summarises last poll, last announcement, next poll and entries accepted', async () => {
      const ref = await startPoller();
      await ask(ref, { type: 'poll' }, 10_000);
      await settle(1);
      expect(node().summary()).to.deep.include({
        lastPollAt: '2024-02-05T01:10:00.000Z',
        lastOutcome: 'ingested',
        lastAnnouncement: new Date(sunday).toISOString(),
        nextPollAt: new Date(nextPollTime(clock.now(), sunday, defaultListingPollPolicy).at).toISOString(),
        entriesAccepted: 6,
        consecutiveFailures: 0,
      });
    });

    it('polls once at start by default, and cancels its timer when stopped', async () => {
      const ref = await startPoller({ pollOnStart: true });
      await ask(ref, { type: 'poll' }, 10_000);
      expect(paths().filter((p) => p === 'listing')).to.have.length(2);
      await system!.shutdown();
      system = undefined;
      expect(clock.pendingDelays()).to.deep.equal([]);
    });
  });
});
