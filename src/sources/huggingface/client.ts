import { MalformedJsonError, RemoteStatusError, RemoteUnavailableError } from '../../errors.js';
import type { Clock, Random } from '../../runtime/clock.js';
import type { Logger } from '../../runtime/logger.js';
import { isRetryableStatus, parseRetryAfter } from '../arxiv/http-client.js';
import { attemptRemote, backoffDelay, defaultRemoteRetryPolicy, parseJsonBody, sleepOn, type RemoteRetryPolicy } from '../http/remote-request.js';
import type { HfDailyPaper, HfPaper, HfPaperRepos, HfRepoSummary } from './types.js';

export const defaultHuggingfaceBaseUrl = 'https://huggingface.co';

export interface HuggingfaceClientOptions {
  readonly clock: Clock;
  readonly random?: Random;
  /** The Hub root, without `/api`. */
  readonly baseUrl?: string;
  /** A read token raises the Hub's rate limits; empty for none. */
  readonly token?: string;
  readonly userAgent?: string;
  readonly headersTimeoutMs?: number;
  readonly totalTimeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly retry?: Partial<RemoteRetryPolicy>;
  readonly logger?: Logger;
  readonly fetch?: typeof fetch;
}

export interface HuggingfaceRequestOptions {
  readonly signal?: AbortSignal;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Reads the Hugging Face Hub's paper APIs. Each request runs under a headers and a total timeout
 * and a body cap, and is retried with backoff on 429 (honouring Retry-After), 5xx, timeouts and
 * network errors; after the last attempt it throws `RemoteUnavailableError`. A 2xx body that is
 * not the JSON expected throws `MalformedJsonError` naming the URL, at once.
 */
export class HuggingfaceClient {
  readonly baseUrl: string;
  private readonly retry: RemoteRetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly counters = { requests: 0, retries: 0, failures: 0 };
  private waitUntil: number | undefined;

  constructor(private readonly options: HuggingfaceClientOptions) {
    this.baseUrl = (options.baseUrl ?? defaultHuggingfaceBaseUrl).replace(/\/+$/, '');
    this.retry = { ...defaultRemoteRetryPolicy, ...options.retry };
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** The papers featured on `date` (`YYYY-MM-DD`). */
  async dailyPapers(date: string, options: HuggingfaceRequestOptions = {}): Promise<HfDailyPaper[]> {
    if (!DATE.test(date)) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
    const url = `${this.baseUrl}/api/daily_papers?date=${date}`;
    const body = await this.getJson(url, options);
    if (!Array.isArray(body)) throw new MalformedJsonError('huggingface', url, 'expected an array of daily papers');
    return body.flatMap((entry: unknown) => {
      const paper = readPaper((entry as { paper?: unknown } | null)?.paper);
      return paper ? [{ ...(entry as object), paper } as HfDailyPaper] : [];
    });
  }

  /** A paper page, or undefined when the Hub has none for this arXiv id (404). */
  async paper(arxivId: string, options: HuggingfaceRequestOptions = {}): Promise<HfPaper | undefined> {
    const url = `${this.baseUrl}/api/papers/${encodeURIComponent(arxivId)}`;
    const body = await this.getJson(url, options, { notFound: undefined });
    if (body === undefined) return undefined;
    const paper = readPaper(body);
    if (!paper) throw new MalformedJsonError('huggingface', url, 'expected a paper object with a string id');
    return paper;
  }

  /** The models, datasets and Spaces whose cards cite the paper (all empty when the Hub does not know it). */
  async paperRepos(arxivId: string, options: HuggingfaceRequestOptions = {}): Promise<HfPaperRepos> {
    const url = `${this.baseUrl}/api/arxiv/${encodeURIComponent(arxivId)}/repos`;
    const body = await this.getJson(url, options, { notFound: {} });
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new MalformedJsonError('huggingface', url, 'expected an object of models, datasets and spaces');
    }
    const list = (key: 'models' | 'datasets' | 'spaces'): HfRepoSummary[] => {
      const value = (body as Record<string, unknown>)[key];
      if (value === undefined) return [];
      if (!Array.isArray(value)) throw new MalformedJsonError('huggingface', url, `expected ${key} to be an array`);
      return value.filter(isRepoSummary);
    };
    return { models: list('models'), datasets: list('datasets'), spaces: list('spaces') };
  }

  /** Models tagged `arxiv:{id}` (their card cites the paper in its metadata). */
  async modelsForPaper(arxivId: string, options: HuggingfaceRequestOptions = {}): Promise<HfRepoSummary[]> {
    const url = `${this.baseUrl}/api/models?filter=${encodeURIComponent(`arxiv:${arxivId}`)}`;
    const body = await this.getJson(url, options);
    if (!Array.isArray(body)) throw new MalformedJsonError('huggingface', url, 'expected an array of models');
    return body.filter(isRepoSummary);
  }

  /** When the client is waiting out a Retry-After or a backoff, the epoch ms it waits for; undefined otherwise. */
  waitingUntil(): number | undefined {
    return this.waitUntil;
  }

  /** Counters for metrics: requests sent, retries, requests that failed for good. */
  stats(): { readonly requests: number; readonly retries: number; readonly failures: number } {
    return { ...this.counters };
  }

  private async getJson(url: string, options: HuggingfaceRequestOptions, onMissing?: { notFound: unknown }): Promise<unknown> {
    const { clock } = this.options;
    let lastStatus: number | undefined;
    let lastRetryAfterMs: number | undefined;
    let lastError: unknown;
    let attempts = 0;
    while (attempts < this.retry.maxAttempts) {
      attempts++;
      this.counters.requests++;
      const outcome = await attemptRemote({
        service: 'huggingface',
        url,
        headers: this.headers(),
        clock,
        fetch: this.fetchImpl,
        headersTimeoutMs: this.options.headersTimeoutMs ?? 30_000,
        totalTimeoutMs: this.options.totalTimeoutMs ?? 60_000,
        maxBodyBytes: this.options.maxBodyBytes ?? 16 * 1024 * 1024,
        signal: options.signal,
      });
      let retryAfterMs: number | undefined;
      if (outcome.type === 'failed') {
        lastStatus = undefined;
        lastError = outcome.error;
      } else if (isRetryableStatus(outcome.status)) {
        lastStatus = outcome.status;
        retryAfterMs = parseRetryAfter(outcome.headers.get('retry-after'), clock.now());
        lastError = undefined;
      } else if (outcome.status === 404 && onMissing) {
        return onMissing.notFound;
      } else if (outcome.status < 200 || outcome.status >= 300) {
        this.counters.failures++;
        throw new RemoteStatusError('huggingface', url, outcome.status, errorMessage(outcome.text));
      } else {
        return parseJsonBody('huggingface', url, outcome.text);
      }
      lastRetryAfterMs = retryAfterMs;
      if (attempts >= this.retry.maxAttempts || (retryAfterMs ?? 0) > this.retry.maxRetryAfterMs) break;
      const delayMs = Math.max(backoffDelay(attempts - 1, this.retry, this.options.random ?? Math.random), retryAfterMs ?? 0);
      this.counters.retries++;
      this.options.logger?.warn({ url, attempt: attempts, status: lastStatus, delayMs, err: lastError }, 'huggingface request retried');
      this.waitUntil = clock.now() + delayMs;
      try {
        await sleepOn(clock, delayMs, options.signal);
      } finally {
        this.waitUntil = undefined;
      }
    }
    this.counters.failures++;
    throw new RemoteUnavailableError('huggingface', url, attempts, lastStatus, lastRetryAfterMs, lastError);
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent ?? 'paperd/0.1 (self-hosted ML research radar)',
    };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    return headers;
  }
}

function readPaper(value: unknown): HfPaper | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const paper = value as Record<string, unknown>;
  if (typeof paper.id !== 'string' || paper.id === '') return undefined;
  const authors = Array.isArray(paper.authors) ? paper.authors.filter((a): a is { name: string } => typeof (a as { name?: unknown } | null)?.name === 'string') : [];
  return { ...(paper as object), id: paper.id, authors } as HfPaper;
}

function isRepoSummary(value: unknown): value is HfRepoSummary {
  return typeof (value as { id?: unknown } | null)?.id === 'string';
}

/** The Hub's `{"error": "…"}`, when the body is one. */
function errorMessage(text: string): string | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown } | null)?.error;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}
