import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { ArxivBaseUrls } from '../../src/sources/arxiv/http-client.js';
import { sharedPath } from './shared.js';

/** One request as the server saw it arrive. */
export interface ArrivedRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** Arrival time, `performance.timeOrigin + performance.now()` (sub-millisecond epoch ms). */
  readonly at: number;
  /** Responses still being written when this request arrived (a one-connection client keeps it at 0). */
  readonly inFlight: number;
}

/** A programmed answer, in place of the recording for a path. */
export type FakeBehavior =
  | { readonly type: 'status'; readonly status: number; readonly retryAfter?: string; readonly body?: string }
  | { readonly type: 'body'; readonly status?: number; readonly contentType: string; readonly body: string | Buffer }
  /** Never answers (or stops after the headers and a first chunk, for a body timeout). */
  | { readonly type: 'hang'; readonly phase?: 'before-headers' | 'mid-body' }
  /** Declares a Content-Length, sends part of it, then closes the connection. */
  | { readonly type: 'truncated'; readonly contentType?: string; readonly body?: Buffer; readonly sendBytes?: number }
  /** An HTML page where a PDF was asked for, as arXiv serves for withdrawn or not-yet-built PDFs. */
  | { readonly type: 'html'; readonly contentType?: string }
  /** A "PDF" of `bytes` bytes generated as it is sent, never held in memory. */
  | { readonly type: 'huge-pdf'; readonly bytes: number; readonly declareLength?: boolean };

const atomType = 'application/atom+xml; charset=utf-8';
const htmlPage = '<!DOCTYPE html>\n<html><head><title>arXiv</title></head><body><h1>PDF unavailable</h1></body></html>\n';

/**
 * A local arXiv on 127.0.0.1 (random port) that replays the shared recordings: the export API from
 * `arxiv-api/*.json` and `arxiv-api-xml/*`, OAI-PMH from `arxiv-oai/*`, and `/pdf/1111.2011v2`.
 * Paths can be programmed with failures (`program`), and every request is logged with its arrival
 * time. Without the shared fixtures it still starts, with no recordings.
 * @internal for tests
 */
export class FakeArxivServer {
  readonly requests: ArrivedRequest[] = [];
  private readonly programs = new Map<string, { behavior: FakeBehavior; remaining: number }[]>();
  private readonly sockets = new Set<Socket>();
  private inFlight = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly recordings: Map<string, { status: number; contentType: string; body: string }>,
  ) {}

  /** Starts a server on 127.0.0.1 and an ephemeral port. */
  static async start(): Promise<FakeArxivServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeArxivServer(server, `http://127.0.0.1:${port}`, loadRecordings());
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => fake.handle(req, res));
    return fake;
  }

  /** Base URLs for `ArxivHttpClient` that point every service here. */
  get baseUrls(): ArxivBaseUrls {
    return { api: `${this.url}/api/query`, listings: `${this.url}/atom`, oai: `${this.url}/oai`, pdf: `${this.url}/pdf` };
  }

  /** The next `times` requests to `pathname` (query ignored) get `behavior`; then the next program, then the recording. */
  program(pathname: string, behavior: FakeBehavior, times = 1): this {
    const queue = this.programs.get(pathname) ?? [];
    queue.push({ behavior, remaining: times });
    this.programs.set(pathname, queue);
    return this;
  }

  requestsTo(pathname: string): ArrivedRequest[] {
    return this.requests.filter((r) => r.path === pathname);
  }

  /** Stops listening and drops every open connection, hanging ones included. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: url.pathname,
      headers: req.headers,
      at: performance.timeOrigin + performance.now(),
      inFlight: this.inFlight,
    });
    this.inFlight++;
    res.on('close', () => this.inFlight--);
    const behavior = this.nextProgram(url.pathname);
    if (behavior) return this.behave(behavior, res);
    this.replay(url, res);
  }

  private nextProgram(pathname: string): FakeBehavior | undefined {
    const queue = this.programs.get(pathname);
    const entry = queue?.find((p) => p.remaining > 0);
    if (!entry) return undefined;
    entry.remaining--;
    return entry.behavior;
  }

  private replay(url: URL, res: ServerResponse): void {
    if (url.pathname === '/pdf/1111.2011v2' && existsSync(pdfFixture())) {
      const pdf = readFileSync(pdfFixture());
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': pdf.length });
      res.end(pdf);
      return;
    }
    const recording = this.recordings.get(`${url.pathname}?${normalizedQuery(url.searchParams)}`);
    if (recording) {
      res.writeHead(recording.status, { 'content-type': recording.contentType });
      res.end(recording.body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`no recording for ${url.pathname}${url.search}\n`);
  }

  private behave(behavior: FakeBehavior, res: ServerResponse): void {
    switch (behavior.type) {
      case 'status':
        res.writeHead(behavior.status, { 'content-type': 'text/plain', ...(behavior.retryAfter === undefined ? {} : { 'retry-after': behavior.retryAfter }) });
        res.end(behavior.body ?? `status ${behavior.status}\n`);
        return;
      case 'body':
        res.writeHead(behavior.status ?? 200, { 'content-type': behavior.contentType });
        res.end(behavior.body);
        return;
      case 'hang':
        if (behavior.phase === 'mid-body') {
          res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': 1_000_000 });
          res.write('%PDF-1.5\n');
        }
        return;
      case 'truncated': {
        const body = behavior.body ?? Buffer.from(`%PDF-1.5\n${'x'.repeat(10_000)}`);
        res.writeHead(200, { 'content-type': behavior.contentType ?? 'application/pdf', 'content-length': body.length });
        res.write(body.subarray(0, behavior.sendBytes ?? Math.floor(body.length / 2)), () => res.socket?.destroy());
        return;
      }
      case 'html':
        res.writeHead(200, { 'content-type': behavior.contentType ?? 'text/html; charset=utf-8' });
        res.end(htmlPage);
        return;
      case 'huge-pdf':
        return streamHugePdf(res, behavior.bytes, behavior.declareLength ?? false);
      default:
        throw new Error(`unknown behavior ${JSON.stringify(behavior satisfies never)}`);
    }
  }
}

/** Writes `bytes` bytes starting with `%PDF-`, 64 KiB at a time, waiting for `drain`, until the client goes away. */
function streamHugePdf(res: ServerResponse, bytes: number, declareLength: boolean): void {
  res.writeHead(200, { 'content-type': 'application/pdf', ...(declareLength ? { 'content-length': bytes } : {}) });
  const filler = Buffer.alloc(64 * 1024, 0x20);
  const first = Buffer.concat([Buffer.from('%PDF-1.5\n'), filler.subarray(9)]);
  let sent = 0;
  const pump = (): void => {
    while (sent < bytes && !res.destroyed) {
      const piece = (sent === 0 ? first : filler).subarray(0, Math.min(filler.length, bytes - sent));
      sent += piece.length;
      if (!res.write(piece)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** Query parameters sorted, empty ones and arXiv's defaults dropped: what makes two API queries the same. */
function normalizedQuery(params: URLSearchParams): string {
  const defaults: Record<string, string> = { sortBy: 'relevance', sortOrder: 'descending', start: '0', max_results: '10' };
  const kept = [...params.entries()].filter(([k, v]) => v !== '' && defaults[k] !== v);
  return new URLSearchParams(kept.sort(([a, x], [b, y]) => (a === b ? x.localeCompare(y) : a.localeCompare(b)))).toString();
}

function pdfFixture(): string {
  return sharedPath('fixtures', 'pdf', '1111.2011v2.pdf');
}

function loadRecordings(): Map<string, { status: number; contentType: string; body: string }> {
  const recordings = new Map<string, { status: number; contentType: string; body: string }>();
  const add = (pathname: string, query: URLSearchParams, status: number, contentType: string, body: string): void => {
    const key = `${pathname}?${normalizedQuery(query)}`;
    if (!recordings.has(key)) recordings.set(key, { status, contentType, body });
  };
  for (const file of listFixtures('arxiv-api', '.json')) {
    const recorded = JSON.parse(readFileSync(file, 'utf8')) as { url: string; status_code: number; body: string };
    add('/api/query', new URL(recorded.url).searchParams, recorded.status_code, atomType, recorded.body);
  }
  for (const file of listFixtures('arxiv-api-xml', '.xml')) {
    const body = readFileSync(file, 'utf8');
    // The self link holds the query, percent-encoded as a whole: `query?search_query%3D…%26start%3D0`.
    const self = /<link href="([^"]+)" rel="self"/.exec(body)?.[1];
    if (self) add('/api/query', new URLSearchParams(decodeURIComponent(new URL(self).search.slice(1))), 200, atomType, body);
  }
  for (const file of listFixtures('arxiv-oai', '.xml')) {
    const body = readFileSync(file, 'utf8');
    const attributes = /<request\s([^>]*)>/.exec(body)?.[1] ?? '';
    const query = new URLSearchParams([...attributes.matchAll(/(\w+)="([^"]*)"/g)].map((m): [string, string] => [m[1]!, m[2]!]));
    add('/oai', query, 200, 'text/xml; charset=utf-8', body);
  }
  return recordings;
}

function listFixtures(folder: string, extension: string): string[] {
  const dir = sharedPath('fixtures', folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(extension))
    .sort()
    .map((f) => path.join(dir, f));
}
