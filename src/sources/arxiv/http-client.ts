import { ArxivBodyTooLargeError, ArxivTimeoutError, ArxivUnavailableError, BadInputError } from '../../errors.js';
import type { Clock, Random } from '../../runtime/clock.js';
import type { Logger } from '../../runtime/logger.js';
import { parseArxivId } from './ids.js';
import type { ArxivPriority, ArxivRateLimiter } from './rate-limiter.js';

/** Where each arXiv service lives; every one is configurable so tests point them at a local server. */
export interface ArxivBaseUrls {
  /** The export API endpoint itself, e.g. `https://export.arxiv.org/api/query`. */
  readonly api: string;
  /** The Atom listings root; categories are appended as `/{cat+cat}`. */
  readonly listings: string;
  /** The OAI-PMH endpoint. */
  readonly oai: string;
  /** The PDF root; ids are appended as `/{id}`. */
  readonly pdf: string;
}

export const defaultArxivBaseUrls: ArxivBaseUrls = {
  api: 'https://export.arxiv.org/api/query',
  listings: 'https://rss.arxiv.org/atom',
  oai: 'https://oaipmh.arxiv.org/oai',
  pdf: 'https://arxiv.org/pdf',
};

/** How often and how patiently a request is retried on 429, 503, other 5xx, timeouts and network errors. */
export interface ArxivRetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** The share of each delay that is random (0..1). */
  readonly jitter: number;
  /** A Retry-After longer than this is not waited out here: the request fails so its job is rescheduled. */
  readonly maxRetryAfterMs: number;
}

export const defaultArxivRetryPolicy: ArxivRetryPolicy = {
  maxAttempts: 4,
  minDelayMs: 3_000,
  maxDelayMs: 60_000,
  jitter: 0.5,
  maxRetryAfterMs: 5 * 60_000,
};

export interface ArxivHttpClientOptions {
  readonly limiter: ArxivRateLimiter;
  readonly clock: Clock;
  readonly random?: Random;
  readonly baseUrls?: Partial<ArxivBaseUrls>;
  /** arXiv asks automated clients to say who they are; operators should add a contact address. */
  readonly userAgent?: string;
  /** Budget from the request start to the response headers (connecting included). */
  readonly headersTimeoutMs?: number;
  /** Budget from the request start to the end of the body. */
  readonly totalTimeoutMs?: number;
  /** Cap on a text body (Atom, OAI-PMH), counted after decompression. */
  readonly maxBodyBytes?: number;
  readonly retry?: Partial<ArxivRetryPolicy>;
  readonly logger?: Logger;
  readonly fetch?: typeof fetch;
}

export interface ArxivRequestOptions {
  readonly priority?: ArxivPriority;
  /** Aborts the wait for the slot, the request and any backoff; the promise rejects with its reason. */
  readonly signal?: AbortSignal;
  readonly accept?: string;
  /** Overrides the client's total budget for this request (a big PDF needs longer than a page of Atom). */
  readonly totalTimeoutMs?: number;
  /**
   * Once a successful reply has begun, `signal` no longer cuts it: it is read to the end (within
   * the total budget) and returned. For small replies that cost a request slot, such as a harvest
   * page: aborted mid-body, the page would be asked for again.
   */
  readonly finishStartedReply?: boolean;
}

/** A response whose body was consumed by a reader inside the limiter slot. */
export interface ArxivExchange<T> {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly value: T;
  /** Attempts it took, the successful one included. */
  readonly attempts: number;
}

/** A text response (Atom, OAI-PMH), raw: parsing belongs to the source modules. */
export interface ArxivTextResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly attempts: number;
}

/**
 * Consumes a response with a status that is not retried here (2xx, 3xx, 4xx but 408/429). Runs
 * holding the limiter slot, under the request's timeouts; it must read or cancel the body. A
 * catalogue error it throws is final; a network error or timeout while reading is retried.
 */
export type ArxivResponseReader<T> = (response: Response, signal: AbortSignal) => Promise<T>;

type AttemptOutcome<T> =
  | { readonly type: 'done'; readonly status: number; readonly headers: Headers; readonly value: T }
  | { readonly type: 'retry'; readonly status?: number; readonly retryAfterMs?: number; readonly error?: unknown };

/**
 * Everything paperd sends to arXiv over HTTP: each attempt waits for the shared rate limiter, runs
 * under a headers and a total timeout, and is retried with exponential backoff and jitter on 429,
 * 503, other 5xx, timeouts and network errors, honouring Retry-After. After the last attempt it
 * throws `ArxivUnavailableError`.
 */
export class ArxivHttpClient {
  readonly baseUrls: ArxivBaseUrls;
  private readonly retry: ArxivRetryPolicy;
  private readonly fetchImpl: typeof fetch;
  private readonly userAgent: string;
  private readonly counters = { attempts: 0, retries: 0, failures: 0 };

  constructor(private readonly options: ArxivHttpClientOptions) {
    this.baseUrls = { ...defaultArxivBaseUrls, ...options.baseUrls };
    this.retry = { ...defaultArxivRetryPolicy, ...options.retry };
    this.fetchImpl = options.fetch ?? fetch;
    this.userAgent = options.userAgent ?? 'paperd/0.1 (self-hosted ML research radar)';
  }

  /** A page of the export API. */
  query(params: ApiQueryParams, options?: ArxivRequestOptions): Promise<ArxivTextResponse> {
    return this.getText(apiQueryUrl(params, this.baseUrls.api), { accept: 'application/atom+xml', ...options });
  }

  /** The latest announcement's Atom listing for these categories. */
  listing(categories: readonly string[], options?: ArxivRequestOptions): Promise<ArxivTextResponse> {
    return this.getText(listingUrl(categories, this.baseUrls.listings), { accept: 'application/atom+xml', ...options });
  }

  /** One OAI-PMH request. */
  oai(params: OaiParams, options?: ArxivRequestOptions): Promise<ArxivTextResponse> {
    return this.getText(oaiUrl(params, this.baseUrls.oai), { accept: 'text/xml', ...options });
  }

  /** GETs `url` and returns its body as text, capped at `maxBodyBytes`. */
  async getText(url: string, options: ArxivRequestOptions = {}): Promise<ArxivTextResponse> {
    const cap = this.options.maxBodyBytes ?? 20 * 1024 * 1024;
    const result = await this.exchange(url, (response) => readTextCapped(response, url, cap), options);
    return { url, status: result.status, headers: result.headers, body: result.value, attempts: result.attempts };
  }

  /** GETs `url` and hands the response to `read` inside the limiter slot (PDF downloads stream through here). */
  async exchange<T>(url: string, read: ArxivResponseReader<T>, options: ArxivRequestOptions = {}): Promise<ArxivExchange<T>> {
    const { clock, limiter } = this.options;
    let last: Extract<AttemptOutcome<T>, { type: 'retry' }> = { type: 'retry' };
    let attempts = 0;
    while (attempts < this.retry.maxAttempts) {
      attempts++;
      this.counters.attempts++;
      const outcome = await limiter.run(options.priority ?? 'normal', () => this.attempt(url, read, options), options.signal);
      if (outcome.type === 'done') return { url, status: outcome.status, headers: outcome.headers, value: outcome.value, attempts };
      last = outcome;
      const retryAfterMs = outcome.retryAfterMs;
      const delayMs = Math.max(this.backoffDelay(attempts - 1), retryAfterMs ?? 0);
      // 429 and 503 speak about arXiv as a whole: everyone sharing the limiter waits, not only us.
      if (outcome.status === 429 || outcome.status === 503) limiter.penalize(clock.now() + Math.min(delayMs, this.retry.maxRetryAfterMs));
      if (attempts >= this.retry.maxAttempts || (retryAfterMs ?? 0) > this.retry.maxRetryAfterMs) break;
      this.counters.retries++;
      this.options.logger?.warn({ url, attempt: attempts, status: outcome.status, delayMs, err: outcome.error }, 'arxiv request retried');
      await sleep(clock, delayMs, options.signal);
    }
    this.counters.failures++;
    throw new ArxivUnavailableError(url, attempts, last.status, last.retryAfterMs, last.error);
  }

  /** Counters for metrics: attempts sent, retries, requests that failed for good. */
  stats(): { readonly attempts: number; readonly retries: number; readonly failures: number } {
    return { ...this.counters };
  }

  private async attempt<T>(url: string, read: ArxivResponseReader<T>, options: ArxivRequestOptions): Promise<AttemptOutcome<T>> {
    const { clock } = this.options;
    const controller = new AbortController();
    const onCallerAbort = (): void => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    let timedOut: ArxivTimeoutError | undefined;
    const arm = (phase: 'headers' | 'body', ms: number) =>
      clock.setTimeout(() => {
        timedOut = new ArxivTimeoutError(url, phase, ms);
        controller.abort(timedOut);
      }, ms);
    const totalTimer = arm('body', options.totalTimeoutMs ?? this.options.totalTimeoutMs ?? 60_000);
    const headersTimer = arm('headers', this.options.headersTimeoutMs ?? 30_000);
    try {
      const response = await this.fetchImpl(url, {
        headers: { 'user-agent': this.userAgent, accept: options.accept ?? '*/*' },
        signal: controller.signal,
      });
      clock.clearTimeout(headersTimer);
      if (options.finishStartedReply && response.ok) options.signal?.removeEventListener('abort', onCallerAbort);
      if (isRetryableStatus(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now());
        return { type: 'retry', status: response.status, retryAfterMs };
      }
      const value = await read(response, controller.signal);
      return { type: 'done', status: response.status, headers: response.headers, value };
    } catch (error) {
      // Closes the connection whatever the reader left unread.
      controller.abort();
      if (options.signal?.aborted) throw options.signal.reason;
      if (timedOut) return { type: 'retry', error: timedOut };
      if (isTransientNetworkError(error)) return { type: 'retry', error };
      throw error;
    } finally {
      clock.clearTimeout(headersTimer);
      clock.clearTimeout(totalTimer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private backoffDelay(retry: number): number {
    const { minDelayMs, maxDelayMs, jitter } = this.retry;
    const exponential = Math.min(maxDelayMs, minDelayMs * 2 ** Math.min(retry, 30));
    // Equal jitter: the fixed part keeps delays growing, the random part keeps clients apart.
    return Math.round(exponential * (1 - jitter) + exponential * jitter * (this.options.random ?? Math.random)());
  }
}

/** 408, 429 and 5xx other than 501 (which will not change on retry). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

/** Retry-After as milliseconds from `nowMs`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

const transientCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Failures of the connection rather than of the program: fetch's `fetch failed` / `terminated` and socket errors. */
export function isTransientNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (transientCodes.has(code) || code.startsWith('UND_ERR_'))) return true;
    if (e instanceof TypeError && (e.message === 'fetch failed' || e.message === 'terminated')) return true;
  }
  return false;
}

async function readTextCapped(response: Response, url: string, maxBytes: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new ArxivBodyTooLargeError(url, maxBytes);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    // Leaving the loop by throwing cancels the stream, so the rest is never downloaded.
    if (total > maxBytes) throw new ArxivBodyTooLargeError(url, maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Parameters of an export API query, as arXiv names them (`search_query`, `id_list`, …). */
export interface ApiQueryParams {
  readonly searchQuery?: string;
  /** Ids with or without version (`2104.12255v1`, `astro-ph/0601001`). */
  readonly idList?: readonly string[];
  readonly start: number;
  /** At most 2000 per page, as arXiv allows. */
  readonly maxResults: number;
  readonly sortBy: 'relevance' | 'lastUpdatedDate' | 'submittedDate';
  readonly sortOrder: 'ascending' | 'descending';
}

/** An export API URL, parameters in arXiv's own order with empty ones kept, as its clients send them. */
export function apiQueryUrl(params: ApiQueryParams, base: string = defaultArxivBaseUrls.api): string {
  const searchQuery = params.searchQuery ?? '';
  const idList = params.idList ?? [];
  if (searchQuery.trim() === '' && idList.length === 0) throw new BadInputError('an arXiv query needs a searchQuery or an idList');
  if (!Number.isInteger(params.start) || params.start < 0) throw new BadInputError(`start must be a non-negative integer, got ${params.start}`);
  if (!Number.isInteger(params.maxResults) || params.maxResults < 1 || params.maxResults > 2000) {
    throw new BadInputError(`maxResults must be an integer from 1 to 2000, got ${params.maxResults}`);
  }
  const query = new URLSearchParams([
    ['search_query', searchQuery],
    ['id_list', idList.join(',')],
    ['sortBy', params.sortBy],
    ['sortOrder', params.sortOrder],
    ['start', String(params.start)],
    ['max_results', String(params.maxResults)],
  ]);
  return `${base}?${query}`;
}

const categoryPattern = /^[a-z-]+(\.[A-Za-z-]+)?$/;

/** The Atom listing URL of one or more categories (`cs.LG`, `hep-th`), joined with `+` as arXiv expects. */
export function listingUrl(categories: readonly string[], base: string = defaultArxivBaseUrls.listings): string {
  if (categories.length === 0) throw new BadInputError('a listing needs at least one category');
  const bad = categories.find((c) => !categoryPattern.test(c));
  if (bad !== undefined) throw new BadInputError(`not an arXiv category: ${JSON.stringify(bad)}`);
  return `${base}/${categories.join('+')}`;
}

export type OaiVerb = 'Identify' | 'ListSets' | 'ListMetadataFormats' | 'ListIdentifiers' | 'ListRecords' | 'GetRecord';

/** OAI-PMH arguments; a resumption token stands alone, as the protocol requires. */
export interface OaiParams {
  readonly verb: OaiVerb;
  readonly metadataPrefix?: string;
  readonly set?: string;
  /** `YYYY-MM-DD`. */
  readonly from?: string;
  readonly until?: string;
  readonly identifier?: string;
  readonly resumptionToken?: string;
}

/** An OAI-PMH request URL; throws when a resumption token is mixed with other arguments. */
export function oaiUrl(params: OaiParams, base: string = defaultArxivBaseUrls.oai): string {
  const { verb, resumptionToken, ...rest } = params;
  const args = Object.entries(rest).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (resumptionToken !== undefined && args.length > 0) {
    throw new BadInputError(`an OAI-PMH resumptionToken is exclusive; drop ${args.map(([k]) => k).join(', ')}`);
  }
  const pairs: [string, string][] = [['verb', verb], ...(resumptionToken === undefined ? args : [['resumptionToken', resumptionToken] as [string, string]])];
  const query = new URLSearchParams(pairs);
  return `${base}?${query}`;
}

/** The PDF URL of an arXiv id in any spelling `parseArxivId` reads (`1111.2011v2`, `arXiv:hep-th/9901001v1`). */
export function pdfUrl(arxivId: string, base: string = defaultArxivBaseUrls.pdf): string {
  const parts = parseArxivId(arxivId);
  if (parts === undefined) throw new BadInputError(`not an arXiv id: ${JSON.stringify(arxivId)}`);
  return `${base}/${parts.id}${parts.version === undefined ? '' : `v${parts.version}`}`;
}
