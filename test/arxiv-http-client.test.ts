import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ArxivBodyTooLargeError, ArxivTimeoutError, ArxivUnavailableError, BadInputError } from '../src/errors.js';
import { systemClock, type Clock } from '../src/runtime/clock.js';
import {
  apiQueryUrl,
  ArxivHttpClient,
  listingUrl,
  oaiUrl,
  parseRetryAfter,
  pdfUrl,
  type ArxivHttpClientOptions,
} from '../src/sources/arxiv/http-client.js';
import { ArxivRateLimiter } from '../src/sources/arxiv/rate-limiter.js';
import { FakeArxivServer } from './support/arxiv-server.js';
import { requireShared, sharedPath } from './support/shared.js';

const headersTimeoutMs = 5_000;
const totalTimeoutMs = 6_000;

/** The real clock, noting every delay asked of it except the request timeouts. */
function sleepRecordingClock(): Clock & { sleeps: number[] } {
  const inner = systemClock();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => inner.now(),
    setTimeout(fn, ms) {
      if (ms !== headersTimeoutMs && ms !== totalTimeoutMs) sleeps.push(ms);
      return inner.setTimeout(fn, ms);
    },
    clearTimeout: (handle) => inner.clearTimeout(handle),
  };
}

/** A client against the fake server with fast retries and no jitter, so delays are exact. */
function makeClient(server: FakeArxivServer, overrides: Partial<ArxivHttpClientOptions> = {}) {
  const clock = sleepRecordingClock();
  const limiter = new ArxivRateLimiter({ clock, intervalMs: 0 });
  const client = new ArxivHttpClient({
    limiter,
    clock,
    random: () => 0.5,
    baseUrls: server.baseUrls,
    headersTimeoutMs,
    totalTimeoutMs,
    ...overrides,
    retry: { maxAttempts: 3, minDelayMs: 20, maxDelayMs: 1000, jitter: 0, maxRetryAfterMs: 2_000, ...overrides.retry },
  });
  return { client, limiter, clock };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a failure'),
    (error: unknown) => error,
  );
}

const testingPage = { searchQuery: 'testing', start: 0, maxResults: 10, sortBy: 'relevance', sortOrder: 'descending' } as const;

describe('ArxivHttpClient', () => {
  let server: FakeArxivServer;
  beforeEach(async () => {
    server = await FakeArxivServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  describe('URLs', () => {
    it('builds export API URLs exactly as the recorded ones, parameter order and encoding included', function () {
      requireShared(this, 'arxiv-api');
      const dir = sharedPath('fixtures', 'arxiv-api');
      const recorded = readdirSync(dir).map((f) => (JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) as { url: string }).url);
      const rebuilt = recorded.map((url) => {
        const q = new URL(url).searchParams;
        const idList = q.get('id_list') ? q.get('id_list')!.split(',') : [];
        return apiQueryUrl({
          searchQuery: q.get('search_query')!,
          idList,
          start: Number(q.get('start')),
          maxResults: Number(q.get('max_results')),
          sortBy: 'relevance',
          sortOrder: 'descending',
        });
      });
      expect(rebuilt).to.deep.equal(recorded);
    });

    it('refuses an API query with neither search nor ids, or a page over 2000', () => {
      expect(() => apiQueryUrl({ start: 0, maxResults: 10, sortBy: 'relevance', sortOrder: 'descending' })).to.throw(BadInputError);
      expect(() => apiQueryUrl({ ...testingPage, maxResults: 2001 })).to.throw(BadInputError, /2000/);
    });

    it('joins listing categories with + and refuses what is not a category', () => {
      expect(listingUrl(['cs.LG', 'stat.ML', 'hep-th'])).to.equal('https://rss.arxiv.org/atom/cs.LG+stat.ML+hep-th');
      expect(() => listingUrl(['cs.LG/../x'])).to.throw(BadInputError);
      expect(() => listingUrl([])).to.throw(BadInputError);
    });

    it('builds OAI-PMH URLs and keeps a resumption token alone, as the protocol requires', () => {
      expect(oaiUrl({ verb: 'ListRecords', metadataPrefix: 'arXivRaw', set: 'cs', from: '2026-03-01', until: '2026-03-08' })).to.equal(
        'https://oaipmh.arxiv.org/oai?verb=ListRecords&metadataPrefix=arXivRaw&set=cs&from=2026-03-01&until=2026-03-08',
      );
      expect(oaiUrl({ verb: 'ListRecords', resumptionToken: '7654|1001' })).to.equal('https://oaipmh.arxiv.org/oai?verb=ListRecords&resumptionToken=7654%7C1001');
      expect(() => oaiUrl({ verb: 'ListRecords', resumptionToken: 't', set: 'cs' })).to.throw(BadInputError, /set/);
    });

    it('builds PDF URLs for new- and old-style ids and refuses anything else', () => {
      expect(pdfUrl('1111.2011v2')).to.equal('https://arxiv.org/pdf/1111.2011v2');
      expect(pdfUrl('hep-th/9901001')).to.equal('https://arxiv.org/pdf/hep-th/9901001');
      expect(pdfUrl('arXiv:2401.01234v3', 'http://127.0.0.1:1/pdf')).to.equal('http://127.0.0.1:1/pdf/2401.01234v3');
      expect(() => pdfUrl('../../etc/passwd')).to.throw(BadInputError);
    });
  });

  describe('parseRetryAfter', () => {
    it('reads delta-seconds and HTTP dates, and ignores what it cannot read', () => {
      const now = Date.parse('2026-03-09T00:00:00Z');
      expect(parseRetryAfter('120', now)).to.equal(120_000);
      expect(parseRetryAfter('Mon, 09 Mar 2026 00:00:30 GMT', now)).to.equal(30_000);
      expect(parseRetryAfter('Sun, 08 Mar 2026 23:00:00 GMT', now)).to.equal(0);
      expect(parseRetryAfter('soon', now)).to.equal(undefined);
      expect(parseRetryAfter(null, now)).to.equal(undefined);
    });
  });

  describe('requests', () => {
    it('returns the raw status, headers and Atom body of a recorded query, and names paperd in its User-Agent', async function () {
      requireShared(this, 'arxiv-api');
      const { client } = makeClient(server);
      const response = await client.query({ ...testingPage, searchQuery: '', idList: ['0808.05394', '1707.08567'], maxResults: 100 });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/atom\+xml/);
      expect(response.body).to.match(/^<\?xml/).and.include('<feed');
      expect(response.attempts).to.equal(1);
      expect(server.requests[0]!.headers['user-agent']).to.match(/^paperd\//);
    });

    it('returns a 4xx answer as it is, without retrying (arXiv reports a malformed id with a 400 Atom body)', async function () {
      requireShared(this, 'arxiv-api');
      const { client } = makeClient(server);
      const response = await client.query({ ...testingPage, searchQuery: '', idList: ['abc'], maxResults: 100 });
      expect(response.status).to.equal(400);
      expect(response.body).to.include('incorrect_id_format');
      expect(server.requests).to.have.length(1);
    });

    it('serves OAI-PMH requests through the same client', async function () {
      requireShared(this, 'arxiv-oai');
      const { client } = makeClient(server);
      const response = await client.oai({ verb: 'GetRecord', identifier: 'oai:arXiv.org:1401.2122', metadataPrefix: 'arXiv' });
      expect(response.status).to.equal(200);
      expect(response.body).to.include('1401.2122');
    });

    it('backs off on 429 for as long as Retry-After says, holding back everyone sharing the limiter', async function () {
      requireShared(this, 'arxiv-api');
      const { client, clock, limiter } = makeClient(server);
      server.program('/api/query', { type: 'status', status: 429, retryAfter: '1' });
      const response = await client.query(testingPage);
      expect(response.status).to.equal(200);
      expect(response.attempts).to.equal(2);
      expect(clock.sleeps).to.include(1000);
      const [first, second] = server.requestsTo('/api/query');
      expect(second!.at - first!.at).to.be.at.least(1000 - 10);
      expect(limiter.stats().penalties).to.equal(1);
    });

    it('backs off exponentially on 503 without Retry-After', async function () {
      requireShared(this, 'arxiv-api');
      const { client, clock } = makeClient(server, { retry: { maxAttempts: 4 } });
      server.program('/api/query', { type: 'status', status: 503 }, 2);
      server.program('/api/query', { type: 'status', status: 502 }, 1);
      const response = await client.query(testingPage);
      expect(response.status).to.equal(200);
      expect(response.attempts).to.equal(4);
      expect(clock.sleeps.filter((ms) => ms >= 20)).to.deep.equal([20, 40, 80]);
    });

    it('fails with ArxivUnavailableError, status and attempts, after the last attempt', async () => {
      const { client } = makeClient(server);
      server.program('/api/query', { type: 'status', status: 503 }, 10);
      const error = await failure(client.query(testingPage));
      expect(error).to.be.instanceOf(ArxivUnavailableError);
      const unavailable = error as ArxivUnavailableError;
      expect(unavailable.code).to.equal('PAPERD_ARXIV_UNAVAILABLE');
      expect(unavailable.attempts).to.equal(3);
      expect(unavailable.lastStatus).to.equal(503);
      expect(unavailable.message).to.include('after 3 attempts').and.include('503');
      expect(server.requestsTo('/api/query')).to.have.length(3);
    });

    it('gives up at once when Retry-After asks for longer than it will wait, and reports how long', async () => {
      const { client, limiter } = makeClient(server);
      server.program('/api/query', { type: 'status', status: 429, retryAfter: '3600' }, 10);
      const before = Date.now();
      const error = (await failure(client.query(testingPage))) as ArxivUnavailableError;
      expect(error).to.be.instanceOf(ArxivUnavailableError);
      expect(error.attempts).to.equal(1);
      expect(error.retryAfterMs).to.equal(3_600_000);
      expect(server.requestsTo('/api/query')).to.have.length(1);
      expect(limiter.stats().penalizedUntil).to.be.at.least(before + 2_000);
    });

    it('times out a request whose answer never comes, and retries it', async () => {
      const { client } = makeClient(server, { headersTimeoutMs: 100, retry: { maxAttempts: 2 } });
      server.program('/api/query', { type: 'hang' }, 2);
      const error = (await failure(client.query(testingPage))) as ArxivUnavailableError;
      expect(error).to.be.instanceOf(ArxivUnavailableError);
      expect(error.attempts).to.equal(2);
      expect(error.cause).to.be.instanceOf(ArxivTimeoutError);
      expect((error.cause as ArxivTimeoutError).phase).to.equal('headers');
      expect(server.requestsTo('/api/query')).to.have.length(2);
    });

    it('times out a body that stops arriving halfway', async () => {
      const { client } = makeClient(server, { totalTimeoutMs: 200, retry: { maxAttempts: 1 } });
      server.program('/pdf/1111.2011v2', { type: 'hang', phase: 'mid-body' });
      const error = (await failure(client.getText(`${server.baseUrls.pdf}/1111.2011v2`))) as ArxivUnavailableError;
      expect(error.cause).to.be.instanceOf(ArxivTimeoutError);
      expect((error.cause as ArxivTimeoutError).phase).to.equal('body');
    });

    it('rejects a body shorter than its Content-Length, and retries it', async function () {
      requireShared(this, 'arxiv-api');
      const { client } = makeClient(server);
      server.program('/api/query', { type: 'truncated', contentType: 'application/atom+xml', body: Buffer.from('<feed>'.padEnd(5000, ' ')) });
      const recovered = await client.query(testingPage);
      expect(recovered.attempts).to.equal(2);
      expect(recovered.body).to.include('<entry>');

      server.program('/api/query', { type: 'truncated', contentType: 'application/atom+xml' }, 3);
      const error = (await failure(client.query(testingPage))) as ArxivUnavailableError;
      expect(error).to.be.instanceOf(ArxivUnavailableError);
      expect(error.lastStatus).to.equal(undefined);
      expect(String((error.cause as Error).message)).to.equal('terminated');
    });

    it('stops reading a body past the cap and does not retry it', async function () {
      requireShared(this, 'arxiv-api');
      const { client } = makeClient(server, { maxBodyBytes: 4096 });
      expect(await failure(client.query(testingPage))).to.be.instanceOf(ArxivBodyTooLargeError);
      server.program('/pdf/big', { type: 'huge-pdf', bytes: 50 * 1024 * 1024 });
      expect(await failure(client.getText(`${server.baseUrls.pdf}/big`))).to.be.instanceOf(ArxivBodyTooLargeError);
      expect(server.requests).to.have.length(2);
    });

    it('stops waiting out a backoff when the caller aborts, rejecting with its reason', async () => {
      const { client } = makeClient(server, { retry: { maxRetryAfterMs: 60_000 } });
      server.program('/api/query', { type: 'status', status: 503, retryAfter: '30' }, 10);
      const controller = new AbortController();
      const pending = client.query(testingPage, { signal: controller.signal });
      for (let i = 0; i < 200 && server.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
      const reason = new Error('shutdown');
      controller.abort(reason);
      expect(await failure(pending)).to.equal(reason);
      expect(server.requests).to.have.length(1);
    });
  });

  describe('a caller that aborts once the reply has begun', () => {
    // Headers go out at once; the body waits until the test releases it, after the caller aborted.
    async function slowBodyServer(): Promise<{ url: string; release: () => void; headersSent: Promise<void>; close: () => Promise<void> }> {
      const { createServer } = await import('node:http');
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let headersSent!: () => void;
      const sent = new Promise<void>((r) => (headersSent = r));
      const server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.write('<page>');
        headersSent();
        void released.then(() => res.end('all of it</page>'));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const { port } = server.address() as { port: number };
      return { url: `http://127.0.0.1:${port}/oai`, release, headersSent: sent, close: () => new Promise<void>((r) => server.close(() => r())) };
    }

    for (const finishStartedReply of [true, false]) {
      it(finishStartedReply ? 'with finishStartedReply, reads the page to its end and returns it' : 'without it, rejects with the abort reason', async () => {
        const fake = await FakeArxivServer.start();
        const slow = await slowBodyServer();
        try {
          const { client } = makeClient(fake);
          const controller = new AbortController();
          const reply = client.exchange(slow.url, (response) => response.text(), { signal: controller.signal, finishStartedReply });
          reply.catch(() => undefined);
          await slow.headersSent;
          // Let the client see the headers before the abort lands.
          await new Promise((r) => setTimeout(r, 500));
          controller.abort(new Error('the step yields'));
          slow.release();
          if (finishStartedReply) expect((await reply).value).to.equal('<page>all of it</page>');
          else expect(String(await failure(reply))).to.match(/the step yields/);
        } finally {
          await slow.close();
          await fake.close();
        }
      });
    }
  });
});
