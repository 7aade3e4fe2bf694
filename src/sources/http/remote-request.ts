import { RemoteBodyTooLargeError, RemoteTimeoutError, MalformedJsonError, type RemoteService } from '../../errors.js';
import type { Clock, Random } from '../../runtime/clock.js';
import { isTransientNetworkError } from '../arxiv/http-client.js';

/**
 * One HTTP attempt against a JSON API (Hugging Face, GitHub), shared by their clients: headers and
 * total timeouts on the injected clock, a capped body, and a clear split between an answer (any
 * status, to classify) and a failure worth retrying (timeout, network). Retry loops live in the clients,
 * since each service signals its limits differently.
 */

/** How often and how patiently a request is retried on 429, 5xx, timeouts and network errors. */
export interface RemoteRetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** The share of each delay that is random (0..1). */
  readonly jitter: number;
  /** A Retry-After longer than this is not waited out here: the request fails and the poll is retried later. */
  readonly maxRetryAfterMs: number;
}

export const defaultRemoteRetryPolicy: RemoteRetryPolicy = {
  maxAttempts: 4,
  minDelayMs: 1_000,
  maxDelayMs: 60_000,
  jitter: 0.5,
  maxRetryAfterMs: 5 * 60_000,
};

export interface RemoteAttemptOptions {
  readonly service: RemoteService;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly fetch: typeof fetch;
  readonly headersTimeoutMs: number;
  readonly totalTimeoutMs: number;
  readonly maxBodyBytes: number;
  readonly signal?: AbortSignal;
}

/** What one attempt gave: an answer whatever its status, or a timeout or network failure (worth retrying). */
export type RemoteAttempt =
  | { readonly type: 'response'; readonly status: number; readonly headers: Headers; readonly text: string }
  | { readonly type: 'failed'; readonly error: unknown };

/**
 * Sends one GET and reads its whole body (capped). Timeouts and network errors come back as
 * `failed`; a body over the cap throws `RemoteBodyTooLargeError`; the caller's abort throws its reason.
 */
export async function attemptRemote(options: RemoteAttemptOptions): Promise<RemoteAttempt> {
  const { clock, url, service } = options;
  const controller = new AbortController();
  const onCallerAbort = (): void => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) throw options.signal.reason;
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  let timedOut: RemoteTimeoutError | undefined;
  const arm = (phase: 'headers' | 'body', ms: number) =>
    clock.setTimeout(() => {
      timedOut = new RemoteTimeoutError(service, url, phase, ms);
      controller.abort(timedOut);
    }, ms);
  const totalTimer = arm('body', options.totalTimeoutMs);
  const headersTimer = arm('headers', options.headersTimeoutMs);
  try {
    const response = await options.fetch(url, { headers: { ...options.headers }, signal: controller.signal, redirect: 'follow' });
    clock.clearTimeout(headersTimer);
    const text = await readCapped(response, service, url, options.maxBodyBytes);
    return { type: 'response', status: response.status, headers: response.headers, text };
  } catch (error) {
    controller.abort();
    if (options.signal?.aborted) throw options.signal.reason;
    if (timedOut) return { type: 'failed', error: timedOut };
    if (isTransientNetworkError(error)) return { type: 'failed', error };
    throw error;
  } finally {
    clock.clearTimeout(headersTimer);
    clock.clearTimeout(totalTimer);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
}

async function readCapped(response: Response, service: RemoteService, url: string, maxBytes: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new RemoteBodyTooLargeError(service, url, maxBytes);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    // Throwing out of the loop cancels the stream: the rest is never downloaded.
    if (total > maxBytes) throw new RemoteBodyTooLargeError(service, url, maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body as JSON, or `MalformedJsonError` naming the URL. */
export function parseJsonBody(service: RemoteService, url: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MalformedJsonError(service, url, (error as Error).message, error);
  }
}

/** Exponential backoff with equal jitter: the fixed part keeps delays growing, the random part keeps clients apart. */
export function backoffDelay(retry: number, policy: RemoteRetryPolicy, random: Random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.min(retry, 30));
  return Math.round(exponential * (1 - policy.jitter) + exponential * policy.jitter * random());
}

/** Waits `ms` on the injected clock; the signal's abort rejects with its reason. */
export function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
