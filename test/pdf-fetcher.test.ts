import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ArxivUnavailableError, BadInputError, NotAPdfError, PdfTooLargeError, PdfUnavailableError } from '../src/errors.js';
import { classifyPdfFailure, defaultMaxPdfBytes, PdfFetcher } from '../src/fetcher/index.js';
import { systemClock } from '../src/runtime/clock.js';
import { ArxivHttpClient } from '../src/sources/arxiv/http-client.js';
import { ArxivRateLimiter } from '../src/sources/arxiv/rate-limiter.js';
import { BlobStore } from '../src/storage/blobs.js';
import { FakeArxivServer } from './support/arxiv-server.js';
import { requireShared, sharedPath } from './support/shared.js';

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a failure'),
    (error: unknown) => error,
  );
}

/** Files under the blob store, temp files included. */
function storedFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'blobs');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}

describe('PdfFetcher', () => {
  let server: FakeArxivServer;
  let dataDir: string;
  let limiter: ArxivRateLimiter;
  let blobs: BlobStore;
  let fetcher: PdfFetcher;

  beforeEach(async () => {
    server = await FakeArxivServer.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'paperd-pdf-'));
    limiter = new ArxivRateLimiter({ clock: systemClock(), intervalMs: 0 });
    const client = new ArxivHttpClient({
      limiter,
      clock: systemClock(),
      random: () => 0.5,
      baseUrls: server.baseUrls,
      headersTimeoutMs: 300,
      retry: { maxAttempts: 3, minDelayMs: 10, maxDelayMs: 50, jitter: 0 },
    });
    blobs = new BlobStore(dataDir);
    fetcher = new PdfFetcher({ client, blobs });
  });
  afterEach(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores the real PDF under its SHA-256, through the shared limiter', async function () {
    requireShared(this, 'pdf', '1111.2011v2.pdf');
    const original = readFileSync(sharedPath('fixtures', 'pdf', '1111.2011v2.pdf'));
    const expected = createHash('sha256').update(original).digest('hex');
    const fetched = await fetcher.fetch('1111.2011v2', { priority: 'hot' });
    expect(fetched.sha256).to.equal(expected);
    expect(fetched.size).to.equal(original.length);
    expect(fetched.attempts).to.equal(1);
    expect(fetched.path).to.equal(blobs.path(expected));
    expect(await blobs.verify(expected)).to.deep.equal({ type: 'ok', size: original.length });
    expect(server.requests[0]!.path).to.equal('/pdf/1111.2011v2');
    expect(limiter.stats().requestsByPriority.hot).to.equal(1);
  });

  it('fetching the same PDF twice keeps one blob', async function () {
    requireShared(this, 'pdf', '1111.2011v2.pdf');
    const first = await fetcher.fetch('1111.2011v2');
    const second = await fetcher.fetch('1111.2011v2');
    expect(second.sha256).to.equal(first.sha256);
    expect(storedFiles(dataDir)).to.deep.equal([first.sha256]);
  });

  it('rejects an HTML page served under a PDF URL, by its Content-Type, as permanent', async () => {
    server.program('/pdf/2401.00001v1', { type: 'html' });
    const error = await failure(fetcher.fetch('2401.00001v1'));
    expect(error).to.be.instanceOf(NotAPdfError);
    expect((error as NotAPdfError).message).to.include('text/html');
    expect(classifyPdfFailure(error)).to.equal('permanent');
    expect(server.requests).to.have.length(1);
    expect(storedFiles(dataDir)).to.deep.equal([]);
  });

  it('rejects an HTML page labelled application/pdf by its missing %PDF- magic', async () => {
    server.program('/pdf/2401.00001v1', { type: 'html', contentType: 'application/pdf' });
    const error = (await failure(fetcher.fetch('2401.00001v1'))) as NotAPdfError;
    expect(error).to.be.instanceOf(NotAPdfError);
    expect(error.message).to.include('<!DOCTYPE html>').and.include('HTML');
    expect(storedFiles(dataDir)).to.deep.equal([]);
  });

  it('accepts application/octet-stream when the bytes are a PDF', async () => {
    const body = Buffer.from('%PDF-1.4\n% a tiny but genuine header\n%%EOF\n');
    server.program('/pdf/2401.00002', { type: 'body', contentType: 'application/octet-stream', body });
    const fetched = await fetcher.fetch('2401.00002');
    expect(fetched.sha256).to.equal(createHash('sha256').update(body).digest('hex'));
  });

  it('refuses an empty body as not a PDF', async () => {
    server.program('/pdf/2401.00003', { type: 'body', contentType: 'application/pdf', body: '' });
    expect(await failure(fetcher.fetch('2401.00003'))).to.be.instanceOf(NotAPdfError);
  });

  it('aborts a 200 MB PDF sent without Content-Length at the 50 MB cap, without buffering it', async () => {
    server.program('/pdf/2401.99999', { type: 'huge-pdf', bytes: 200 * 1024 * 1024 });
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
    let error: unknown;
    try {
      error = await failure(fetcher.fetch('2401.99999'));
    } finally {
      clearInterval(sampler);
    }
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    expect(error).to.be.instanceOf(PdfTooLargeError);
    expect((error as PdfTooLargeError).limitBytes).to.equal(defaultMaxPdfBytes);
    expect(classifyPdfFailure(error)).to.equal('permanent');
    expect(rssPeak - rssBefore).to.be.below(100 * 1024 * 1024);
    expect(server.requests).to.have.length(1);
    expect(storedFiles(dataDir)).to.deep.equal([]);
  });

  it('refuses a PDF whose Content-Length is over the cap before reading its body', async () => {
    server.program('/pdf/2401.99998', { type: 'huge-pdf', bytes: 200 * 1024 * 1024, declareLength: true });
    const error = (await failure(fetcher.fetch('2401.99998'))) as PdfTooLargeError;
    expect(error).to.be.instanceOf(PdfTooLargeError);
    expect(error.declaredBytes).to.equal(200 * 1024 * 1024);
    expect(storedFiles(dataDir)).to.deep.equal([]);
  });

  it('treats a 404 as permanent and does not retry it', async () => {
    const error = (await failure(fetcher.fetch('2401.00404'))) as PdfUnavailableError;
    expect(error).to.be.instanceOf(PdfUnavailableError);
    expect(error.httpStatus).to.equal(404);
    expect(classifyPdfFailure(error)).to.equal('permanent');
    expect(server.requests).to.have.length(1);
  });

  it('retries a 503 and stores the PDF once arXiv answers', async function () {
    requireShared(this, 'pdf', '1111.2011v2.pdf');
    server.program('/pdf/1111.2011v2', { type: 'status', status: 503 }, 2);
    const fetched = await fetcher.fetch('1111.2011v2');
    expect(fetched.attempts).to.equal(3);
    expect(await blobs.has(fetched.sha256)).to.equal(true);
  });

  it('reports a PDF still failing after the last attempt (5xx, timeouts, cut-off bodies) as retryable', async () => {
    server.program('/pdf/2401.00500', { type: 'status', status: 500 }, 3);
    const serverError = await failure(fetcher.fetch('2401.00500'));
    server.program('/pdf/2401.00504', { type: 'hang' }, 3);
    const timeout = await failure(fetcher.fetch('2401.00504'));
    server.program('/pdf/2401.00505', { type: 'truncated' }, 3);
    const truncated = await failure(fetcher.fetch('2401.00505'));
    for (const error of [serverError, timeout, truncated]) {
      expect(error).to.be.instanceOf(ArxivUnavailableError);
      expect(classifyPdfFailure(error)).to.equal('retryable');
    }
    expect(storedFiles(dataDir)).to.deep.equal([]);
  });

  it('refuses a malformed arXiv id before sending anything, as permanent', async () => {
    const error = await failure(fetcher.fetch('not-an-id'));
    expect(error).to.be.instanceOf(BadInputError);
    expect(classifyPdfFailure(error)).to.equal('permanent');
    expect(server.requests).to.have.length(0);
  });
});
