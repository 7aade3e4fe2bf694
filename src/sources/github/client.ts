import { MalformedJsonError, RemoteStatusError, RemoteUnavailableError } from '../../errors.js';
import type { Clock, Random } from '../../runtime/clock.js';
import type { Logger } from '../../runtime/logger.js';
import { isRetryableStatus, parseRetryAfter } from '../arxiv/http-client.js';
import {
  attemptRemote,
  backoffDelay,
  defaultRemoteRetryPolicy,
  parseJsonBody,
  sleepOn,
  type RemoteRetryPolicy,
} from '../http/remote-request.js';
import type { Conditional, GhRelease, GhRepository, GithubRateLimit } from './types.js';

export const defaultGithubApiBaseUrl = 'https://api.github.com';

export interface GithubClientOptions {
  readonly clock: Clock;
  readonly random?: Random;
  readonly apiBaseUrl?: string;
  /** A token (classic or fine-grained) raises the limit from 60 to 5000 requests an hour; empty for none. */
  readonly token?: string;
  readonly userAgent?: string;
  readonly headersTimeoutMs?: number;
  readonly totalTimeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly retry?: Partial<RemoteRetryPolicy>;
  /** Waited past `X-RateLimit-Reset`, for clock skew between GitHub and us. */
  readonly resetSlackMs?: number;
  /** Rate-limit waits one request may go through before it fails. */
  readonly maxRateLimitWaits?: number;
  readonly logger?: Logger;
  readonly fetch?: typeof fetch;
}

export interface GithubRequestOptions {
  /** The ETag of the answer last applied for this URL: sent as `If-None-Match`. */
  readonly etag?: string;
  readonly signal?: AbortSignal;
}

/**
 * Reads GitHub's REST API for the repositories papers link to. Requests are conditional (an ETag
 * gives `If-None-Match`, and a 304 costs no rate limit), and the client follows GitHub's limits:
 * when `X-RateLimit-Remaining` reaches 0 it sends nothing until `X-RateLimit-Reset`, and a 403 or
 * 429 with nothing remaining waits for the reset too, never hammering. Secondary limits (403/429 with
 * Retry-After), 5xx, timeouts and network errors are retried with backoff, a bounded number of times.
 */
export class GithubClient {
  readonly apiBaseUrl: string;
  private readonly retry: RemoteRetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private limit: GithubRateLimit = { limit: undefined, remaining: undefined, resetAt: undefined, used: undefined, resource: undefined };
  private waitUntil: number | undefined;
  private readonly counters = { requests: 0, notModified: 0, retries: 0, rateLimitWaits: 0, failures: 0 };

  constructor(private readonly options: GithubClientOptions) {
    this.apiBaseUrl = (options.apiBaseUrl ?? defaultGithubApiBaseUrl).replace(/\/+$/, '');
    this.retry = { ...defaultRemoteRetryPolicy, ...options.retry };
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `GET /repos/{owner}/{repo}`. */
  async repository(owner: string, name: string, options: GithubRequestOptions = {}): Promise<Conditional<GhRepository>> {
    const url = `${this.apiBaseUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
    return this.conditional(url, options, (body) => {
      if (typeof (body as { full_name?: unknown } | null)?.full_name !== 'string') throw new MalformedJsonError('github', url, 'expected a repository with a full_name');
      return body as GhRepository;
    });
  }

  /** `GET /repos/{owner}/{repo}/releases/latest` (404 when the repository has no published release). */
  async latestRelease(owner: string, name: string, options: GithubRequestOptions = {}): Promise<Conditional<GhRelease>> {
    const url = `${this.apiBaseUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/releases/latest`;
    return this.conditional(url, options, (body) => {
      if (typeof (body as { tag_name?: unknown } | null)?.tag_name !== 'string') throw new MalformedJsonError('github', url, 'expected a release with a tag_name');
      return body as GhRelease;
    });
  }

  /** The rate limit as GitHub last reported it. */
  rateLimit(): GithubRateLimit {
    return { ...this.limit };
  }

  /** When the client is waiting (for a rate-limit reset, a Retry-After, a backoff), the epoch ms it waits for. */
  waitingUntil(): number | undefined {
    return this.waitUntil;
  }

  /** Counters for metrics. */
  stats(): { readonly requests: number; readonly notModified: number; readonly retries: number; readonly rateLimitWaits: number; readonly failures: number } {
    return { ...this.counters };
  }

  private async conditional<T>(url: string, options: GithubRequestOptions, read: (body: unknown) => T): Promise<Conditional<T>> {
    const { clock } = this.options;
    let attempts = 0;
    let rateLimitWaits = 0;
    let lastStatus: number | undefined;
    let lastRetryAfterMs: number | undefined;
    let lastError: unknown;
    for (;;) {
      await this.waitForReset(options.signal);
      attempts++;
      this.counters.requests++;
      const outcome = await attemptRemote({
        service: 'github',
        url,
        headers: this.headers(options.etag),
        clock,
        fetch: this.fetchImpl,
        headersTimeoutMs: this.options.headersTimeoutMs ?? 30_000,
        totalTimeoutMs: this.options.totalTimeoutMs ?? 60_000,
        maxBodyBytes: this.options.maxBodyBytes ?? 4 * 1024 * 1024,
        signal: options.signal,
      });
      let retryAfterMs: number | undefined;
      if (outcome.type === 'failed') {
        lastStatus = undefined;
        lastError = outcome.error;
      } else {
        this.observe(outcome.headers);
        const { status } = outcome;
        lastStatus = status;
        lastError = undefined;
        if (status === 304) {
          this.counters.notModified++;
          return { type: 'not-modified', url };
        }
        if (status === 404) return { type: 'not-found', url };
        if (status >= 200 && status < 300) {
          return { type: 'modified', url, value: read(parseJsonBody('github', url, outcome.text)), etag: outcome.headers.get('etag') ?? undefined };
        }
        if ((status === 403 || status === 429) && this.limit.remaining === 0) {
          // The primary limit is spent: the next loop waits for the reset; this is not a failed attempt.
          attempts--;
          if (++rateLimitWaits > (this.options.maxRateLimitWaits ?? 2)) {
            this.counters.failures++;
            throw new RemoteUnavailableError('github', url, attempts + rateLimitWaits - 1, status, this.resetDelay(), undefined);
          }
          this.counters.rateLimitWaits++;
          this.options.logger?.warn({ url, status, resetAt: this.limit.resetAt }, 'github rate limit exhausted; waiting for the reset');
          continue;
        }
        retryAfterMs = parseRetryAfter(outcome.headers.get('retry-after'), clock.now());
        const secondaryLimit = (status === 403 || status === 429) && (retryAfterMs !== undefined || /rate limit/i.test(outcome.text));
        if (!isRetryableStatus(status) && !secondaryLimit) {
          this.counters.failures++;
          throw new RemoteStatusError('github', url, status, githubMessage(outcome.text));
        }
        // GitHub asks for at least a minute after a secondary limit that names no Retry-After.
        if (secondaryLimit && retryAfterMs === undefined) retryAfterMs = 60_000;
      }
      lastRetryAfterMs = retryAfterMs;
      if (attempts >= this.retry.maxAttempts || (retryAfterMs ?? 0) > this.retry.maxRetryAfterMs) break;
      const delayMs = Math.max(backoffDelay(attempts - 1, this.retry, this.options.random ?? Math.random), retryAfterMs ?? 0);
      this.counters.retries++;
      this.options.logger?.warn({ url, attempt: attempts, status: lastStatus, delayMs, err: lastError }, 'github request retried');
      await this.sleep(delayMs, options.signal);
    }
    this.counters.failures++;
    throw new RemoteUnavailableError('github', url, attempts, lastStatus, lastRetryAfterMs, lastError);
  }

  /** Sends nothing while GitHub says nothing remains before the reset. */
  private async waitForReset(signal?: AbortSignal): Promise<void> {
    const delayMs = this.resetDelay();
    if (delayMs === undefined) return;
    await this.sleep(delayMs, signal);
    // The window GitHub named is over; the next answer reports the new one.
    this.limit = { ...this.limit, remaining: undefined };
  }

  /** How long until the rate-limit reset when nothing remains, or undefined when requests may go. */
  private resetDelay(): number | undefined {
    const { remaining, resetAt } = this.limit;
    if (remaining !== 0 || resetAt === undefined) return undefined;
    return Math.max(0, resetAt + (this.options.resetSlackMs ?? 1_000) - this.options.clock.now());
  }

  private async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.waitUntil = this.options.clock.now() + ms;
    try {
      await sleepOn(this.options.clock, ms, signal);
    } finally {
      this.waitUntil = undefined;
    }
  }

  private observe(headers: Headers): void {
    const int = (name: string): number | undefined => {
      const value = headers.get(name);
      return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : undefined;
    };
    const remaining = int('x-ratelimit-remaining');
    if (remaining === undefined) return;
    const reset = int('x-ratelimit-reset');
    this.limit = {
      limit: int('x-ratelimit-limit'),
      remaining,
      resetAt: reset === undefined ? undefined : reset * 1000,
      used: int('x-ratelimit-used'),
      resource: headers.get('x-ratelimit-resource') ?? undefined,
    };
  }

  private headers(etag: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': this.options.userAgent ?? 'paperd/0.1 (self-hosted ML research radar)',
    };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (etag) headers['if-none-match'] = etag;
    return headers;
  }
}

/** GitHub's `{"message": "…"}`, when the body is one. */
function githubMessage(text: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
