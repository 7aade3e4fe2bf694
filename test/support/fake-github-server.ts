import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the fake saw it, with what it answered. */
export interface GhArrivedRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** The fake's clock when it arrived (epoch ms). */
  readonly at: number;
  status?: number;
}

/** A programmed answer in place of the data for a path. */
export type GhFakeBehavior =
  | { readonly type: 'status'; readonly status: number; readonly retryAfter?: string; readonly body?: unknown }
  | { readonly type: 'malformed'; readonly body?: string }
  | { readonly type: 'hang' };

export interface FakeGithubOptions {
  /** The fake's clock (epoch ms), to know when the rate-limit window resets; a test passes its ManualClock's. */
  readonly now?: () => number;
  /** Requests per window: 60 anonymous, 5000 with a token. */
  readonly limit?: number;
  readonly windowMs?: number;
}

/** A repository as `GET /repos/{owner}/{repo}` answers it. */
export function ghRepository(fullName: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const [login, name] = fullName.split('/') as [string, string];
  return {
    id: 123456789, node_id: 'R_kgDOHdPZFQ', name, full_name: fullName, private: false,
    owner: { login, id: 987654, node_id: 'MDQ6VXNlcjk4NzY1NA==', type: 'Organization', site_admin: false },
    html_url: `https://github.com/${fullName}`, description: 'Code for our paper.', fork: false, url: `https://api.github.com/repos/${fullName}`,
    created_at: '2025-02-20T08:00:00Z', updated_at: '2025-03-06T09:00:00Z', pushed_at: '2025-03-06T08:59:00Z', homepage: '', size: 2048,
    stargazers_count: 1500, watchers_count: 1500, language: 'Python', has_issues: true, forks_count: 120, archived: false, disabled: false,
    open_issues_count: 12, license: { key: 'apache-2.0', name: 'Apache License 2.0', spdx_id: 'Apache-2.0', url: 'https://api.github.com/licenses/apache-2.0', node_id: 'MDc6TGljZW5zZTI=' },
    allow_forking: true, is_template: false, topics: ['deep-learning', 'diffusion'], visibility: 'public', forks: 120, open_issues: 12, watchers: 1500,
    default_branch: 'main', network_count: 120, subscribers_count: 30,
    ...overrides,
  };
}

/** A release as `GET /repos/{owner}/{repo}/releases/latest` answers it. */
export function ghRelease(fullName: string, tag: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    url: `https://api.github.com/repos/${fullName}/releases/1`, html_url: `https://github.com/${fullName}/releases/tag/${tag}`, id: 1, node_id: 'RE_kwDOHdPZFc4',
    tag_name: tag, target_commitish: 'main', name: `Release ${tag}`, draft: false, prerelease: false,
    created_at: '2025-03-01T00:00:00Z', published_at: '2025-03-01T00:05:00Z', author: { login: fullName.split('/')[0], id: 987654, type: 'User' },
    assets: [], tarball_url: `https://api.github.com/repos/${fullName}/tarball/${tag}`, zipball_url: `https://api.github.com/repos/${fullName}/zipball/${tag}`, body: 'Notes.',
    ...overrides,
  };
}

const docs = 'https://docs.github.com/rest';

/**
 * A local GitHub REST API on 127.0.0.1 (random port): `/repos/{owner}/{repo}` and
 * `…/releases/latest` from data the test sets, with ETags (a matching `If-None-Match` gets a 304
 * that costs nothing), the `X-RateLimit-*` headers of a primary rate limit on the fake's clock,
 * and GitHub's 403 `API rate limit exceeded` once it is spent. Paths can be programmed with
 * other statuses (secondary limits, 5xx), malformed bodies and hangs.
 * @internal for tests
 */
export class FakeGithubServer {
  readonly requests: GhArrivedRequest[] = [];
  readonly repos = new Map<string, { repo: Record<string, unknown>; release?: Record<string, unknown> }>();
  limit: number;
  remaining: number;
  /** Epoch seconds. */
  resetAt: number;
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly programs = new Map<string, { behavior: GhFakeBehavior; remaining: number }[]>();
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly url: string, options: FakeGithubOptions) {
    this.now = options.now ?? Date.now;
    this.limit = options.limit ?? 60;
    this.remaining = this.limit;
    this.windowMs = options.windowMs ?? 3_600_000;
    this.resetAt = Math.ceil((this.now() + this.windowMs) / 1000);
  }

  static async start(options: FakeGithubOptions = {}): Promise<FakeGithubServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fake = new FakeGithubServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => fake.handle(req, res));
    return fake;
  }

  /** Requests counted against the limit in this window. */
  get used(): number {
    return this.limit - this.remaining;
  }

  setRepository(fullName: string, repo: Record<string, unknown>, release?: Record<string, unknown>): this {
    this.repos.set(fullName.toLowerCase(), { repo, release });
    return this;
  }

  /** Spends the rest of the window, resetting at `resetAt` (epoch seconds). */
  exhaust(resetAt: number): this {
    this.remaining = 0;
    this.resetAt = resetAt;
    return this;
  }

  program(pathname: string, behavior: GhFakeBehavior, times = 1): this {
    const queue = this.programs.get(pathname) ?? [];
    queue.push({ behavior, remaining: times });
    this.programs.set(pathname, queue);
    return this;
  }

  requestsTo(pathname: string): GhArrivedRequest[] {
    return this.requests.filter((r) => r.path === pathname);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private rateHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': String(this.limit),
      'x-ratelimit-remaining': String(this.remaining),
      'x-ratelimit-reset': String(this.resetAt),
      'x-ratelimit-used': String(this.used),
      'x-ratelimit-resource': 'core',
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const arrived: GhArrivedRequest = { path: url.pathname, headers: req.headers, at: this.now() };
    this.requests.push(arrived);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      arrived.status = status;
      const text = status === 304 ? '' : typeof body === 'string' ? body : JSON.stringify(body, null, 2);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-api-version-selected': '2022-11-28', ...this.rateHeaders(), ...headers });
      res.end(text);
    };
    if (this.now() >= this.resetAt * 1000) {
      this.remaining = this.limit;
      this.resetAt = Math.ceil((this.now() + this.windowMs) / 1000);
    }
    if (this.remaining === 0) {
      return send(403, { message: 'API rate limit exceeded for 127.0.0.1. (But here\'s the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)', documentation_url: `${docs}/overview/rate-limits-for-the-rest-api` });
    }
    const program = this.programs.get(url.pathname)?.find((p) => p.remaining > 0);
    if (program) {
      program.remaining--;
      this.remaining--;
      const b = program.behavior;
      switch (b.type) {
        case 'status':
          return send(b.status, b.body ?? { message: b.status === 403 ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' : 'Server Error', documentation_url: docs }, b.retryAfter === undefined ? {} : { 'retry-after': b.retryAfter });
        case 'malformed':
          return send(200, b.body ?? '{"full_name": "trunc');
        case 'hang':
          return;
        default:
          throw new Error(`unknown behavior ${JSON.stringify(b satisfies never)}`);
      }
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/releases\/latest)?$/.exec(url.pathname);
    const entry = m && this.repos.get(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`.toLowerCase());
    const body = m?.[3] ? entry?.release : entry?.repo;
    if (!body) {
      this.remaining--;
      return send(404, { message: 'Not Found', documentation_url: `${docs}/repos/repos#get-a-repository`, status: '404' });
    }
    const text = JSON.stringify(body, null, 2);
    const etag = `W/"${createHash('sha256').update(text).digest('hex').slice(0, 40)}"`;
    // A conditional request that matches costs no rate limit, as on GitHub.
    if (req.headers['if-none-match'] === etag) return send(304, '', { etag });
    this.remaining--;
    send(200, text, { etag, 'cache-control': 'private, max-age=60, s-maxage=60', vary: 'Accept, Authorization, Cookie, X-GitHub-OTP' });
  }
}
