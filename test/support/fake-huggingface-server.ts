import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake saw it. */
export interface HfArrivedRequest {
  readonly path: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

/** A programmed answer in place of the data for a path. */
export type HfFakeBehavior =
  | { readonly type: 'status'; readonly status: number; readonly retryAfter?: string; readonly body?: string }
  /** A 200 whose body is not JSON (or not the JSON expected). */
  | { readonly type: 'malformed'; readonly body?: string }
  /** Never answers. */
  | { readonly type: 'hang' }
  /** A 200 JSON body of about `bytes` bytes. */
  | { readonly type: 'huge'; readonly bytes: number };

/** A paper as the fake serves it: the Hub's paper object, built by `hfPaper`. */
export type FakeHfPaper = Record<string, unknown> & { id: string };

let nextObjectId = 0x65a0_0000;
const objectId = (): string => (nextObjectId++).toString(16).padStart(24, '0');

/** A paper object as `/api/papers/{id}` and the daily papers' `paper` spell it. */
export function hfPaper(id: string, overrides: Record<string, unknown> = {}): FakeHfPaper {
  return {
    id,
    authors: [
      { _id: objectId(), name: 'Ada Lovelace', hidden: false },
      { _id: objectId(), name: 'Alan Turing', hidden: false, user: { _id: objectId(), avatarUrl: '/avatars/x.svg', fullname: 'Alan Turing', user: 'aturing', type: 'user' } },
    ],
    publishedAt: '2025-03-03T17:59:58.000Z',
    submittedOnDailyAt: '2025-03-04T01:23:45.678Z',
    title: `A paper numbered ${id}`,
    summary: `We study ${id}.`,
    upvotes: 42,
    discussionId: objectId(),
    ai_summary: 'A summary written by a model.',
    ai_keywords: ['diffusion', 'transformer'],
    ...overrides,
  };
}

/** One entry of `/api/daily_papers`, around a paper object. */
export function hfDailyEntry(paper: FakeHfPaper): Record<string, unknown> {
  return {
    paper,
    publishedAt: paper.publishedAt,
    title: paper.title,
    summary: paper.summary,
    thumbnail: `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${paper.id}.png`,
    numComments: 2,
    submittedBy: { _id: objectId(), avatarUrl: '/avatars/ak.svg', fullname: 'AK', name: 'akhaliq', type: 'user', isPro: false, isHf: true, isMod: false, followerCount: 9000 },
    isAuthorParticipating: false,
  };
}

/** A model as `/api/arxiv/{id}/repos` lists it. */
export function hfRepoModel(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { author: id.split('/')[0], downloads: 1234, gated: false, id, lastModified: '2025-03-05T10:00:00.000Z', likes: 56, pipeline_tag: 'text-generation', private: false, repoType: 'model', isLikedByUser: false, numParameters: 7_000_000_000, ...overrides };
}

/** A dataset as `/api/arxiv/{id}/repos` lists it. */
export function hfRepoDataset(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { author: id.split('/')[0], downloads: 321, gated: false, id, lastModified: '2025-03-05T10:00:00.000Z', likes: 7, private: false, repoType: 'dataset', isLikedByUser: false, ...overrides };
}

/** A Space as `/api/arxiv/{id}/repos` lists it. */
export function hfRepoSpace(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    author: id.split('/')[0], colorFrom: 'blue', colorTo: 'purple', createdAt: '2025-03-04T00:00:00.000Z', emoji: '🚀', id,
    lastModified: '2025-03-05T10:00:00.000Z', likes: 3, pinned: false, private: false, sdk: 'gradio', repoType: 'space',
    runtime: { stage: 'RUNNING', hardware: { current: 'cpu-basic', requested: 'cpu-basic' } }, title: 'Demo', shortDescription: 'Try it', isLikedByUser: false, trendingScore: 1, tags: ['gradio', 'region:us'],
    ...overrides,
  };
}

/** A model as `/api/models` lists it: its `arxiv:` tags tie it to papers. */
export function hfListedModel(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { _id: objectId(), id, likes: 12, trendingScore: 0, private: false, downloads: 99, tags: ['transformers', 'safetensors', 'region:us'], pipeline_tag: 'text-generation', library_name: 'transformers', createdAt: '2025-03-04T00:00:00.000Z', modelId: id, ...overrides };
}

/**
 * A local Hugging Face Hub on 127.0.0.1 (random port) serving `/api/daily_papers?date=`,
 * `/api/papers/{id}`, `/api/arxiv/{id}/repos` and `/api/models?filter=arxiv:{id}` from data the
 * test sets, in the Hub's shapes (404 `{"error": …}` for an unknown paper). Paths can be programmed
 * with 429s, 5xx, malformed bodies, hangs and huge bodies.
 * @internal for tests
 */
export class FakeHuggingfaceServer {
  readonly requests: HfArrivedRequest[] = [];
  readonly days = new Map<string, FakeHfPaper[]>();
  readonly repos = new Map<string, { models: unknown[]; datasets: unknown[]; spaces: unknown[] }>();
  readonly models: Record<string, unknown>[] = [];
  private readonly papers = new Map<string, FakeHfPaper>();
  private readonly programs = new Map<string, { behavior: HfFakeBehavior; remaining: number }[]>();
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<FakeHuggingfaceServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeHuggingfaceServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => fake.handle(req, res));
    return fake;
  }

  /** Features `papers` on `date` and makes each one's page known. */
  addDay(date: string, papers: FakeHfPaper[]): this {
    this.days.set(date, papers);
    for (const paper of papers) this.papers.set(paper.id, paper);
    return this;
  }

  /** What `/api/arxiv/{id}/repos` answers for `id`. */
  setRepos(id: string, repos: { models?: unknown[]; datasets?: unknown[]; spaces?: unknown[] }): this {
    this.repos.set(id, { models: repos.models ?? [], datasets: repos.datasets ?? [], spaces: repos.spaces ?? [] });
    return this;
  }

  /** The next `times` requests to `pathname` get `behavior` instead of the data. */
  program(pathname: string, behavior: HfFakeBehavior, times = 1): this {
    const queue = this.programs.get(pathname) ?? [];
    queue.push({ behavior, remaining: times });
    this.programs.set(pathname, queue);
    return this;
  }

  requestsTo(pathname: string): HfArrivedRequest[] {
    return this.requests.filter((r) => r.path === pathname);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push({ path: url.pathname, url: req.url ?? '/', headers: req.headers });
    const queue = this.programs.get(url.pathname);
    const program = queue?.find((p) => p.remaining > 0);
    if (program) {
      program.remaining--;
      return behave(program.behavior, res);
    }
    const json = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    let m: RegExpExecArray | null;
    if (url.pathname === '/api/daily_papers') {
      const date = url.searchParams.get('date') ?? '';
      return json(200, (this.days.get(date) ?? []).map(hfDailyEntry));
    }
    if ((m = /^\/api\/papers\/([^/]+)$/.exec(url.pathname))) {
      const paper = this.papers.get(decodeURIComponent(m[1]!));
      return paper ? json(200, paper) : json(404, { error: 'Paper not found' });
    }
    if ((m = /^\/api\/arxiv\/([^/]+)\/repos$/.exec(url.pathname))) {
      return json(200, this.repos.get(decodeURIComponent(m[1]!)) ?? { models: [], datasets: [], spaces: [] });
    }
    if (url.pathname === '/api/models') {
      const filter = url.searchParams.get('filter');
      return json(200, filter ? this.models.filter((model) => (model.tags as string[]).includes(filter)) : this.models);
    }
    json(404, { error: 'Sorry, we can\'t find the page you are looking for.' });
  }
}

function behave(behavior: HfFakeBehavior, res: ServerResponse): void {
  switch (behavior.type) {
    case 'status':
      res.writeHead(behavior.status, { 'content-type': 'application/json', ...(behavior.retryAfter === undefined ? {} : { 'retry-after': behavior.retryAfter }) });
      res.end(behavior.body ?? JSON.stringify({ error: behavior.status === 429 ? 'Too Many Requests' : 'Service Unavailable' }));
      return;
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(behavior.body ?? '{"models": [{"id": "oops/trunc');
      return;
    case 'hang':
      return;
    case 'huge': {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ models: [{ id: 'x/y', padding: 'x'.repeat(behavior.bytes) }], datasets: [], spaces: [] }));
      return;
    }
    default:
      throw new Error(`unknown behavior ${JSON.stringify(behavior satisfies never)}`);
  }
}
