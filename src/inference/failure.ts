import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { readErrorBody, type UpstreamErrorBody } from './error-shapes.js';
import { retryAfterMs } from './retry-after.js';

/** Why one attempt at one endpoint failed. */
export type FailureType =
  /** No connection: refused, no route, name unknown, connect timeout. The endpoint is down. */
  | 'unreachable'
  /** 401/403: the endpoint refuses paperd's key. Down until fixed; retrying elsewhere may work. */
  | 'unauthorized'
  /** vLLM's /health answered 503: its engine died and the process lingers. */
  | 'engine-dead'
  /** 503: full (Ollama past its queue) or not ready. */
  | 'busy'
  /** 429. */
  | 'rate-limited'
  /** Sent, but no token came within `firstTokenMs`: vLLM's sign of a deep queue. */
  | 'first-token-timeout'
  /** The answer did not finish within `totalMs`. */
  | 'total-timeout'
  /** 5xx other than 503, a connection dropped mid-answer, a failed probe. */
  | 'server-error'
  /** An error chunk inside a 200 stream, or a stream that ended without finishing. */
  | 'stream-error'
  /** A body that is not what the protocol promises. */
  | 'malformed'
  /** 404: this endpoint does not have the model it is configured to serve. */
  | 'not-found'
  /** Another 4xx: the request itself is wrong, and would be wrong anywhere. */
  | 'rejected';

export interface AttemptFailure {
  readonly type: FailureType;
  /** What went wrong, with the upstream's own message where it sent one. */
  readonly message: string;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly upstream?: UpstreamErrorBody;
}

/** Failures that cool (or take down) an endpoint at once rather than after several in a row. */
export function tripsAtOnce(f: AttemptFailure): boolean {
  return ['unreachable', 'unauthorized', 'engine-dead', 'busy', 'rate-limited', 'first-token-timeout'].includes(f.type);
}

/** An endpoint that fails like this is not there (down) rather than struggling (cooling). */
export function meansDown(f: AttemptFailure): boolean {
  return f.type === 'unreachable' || f.type === 'unauthorized' || f.type === 'engine-dead';
}

/** The caller's request is at fault: another endpoint would refuse it too, and this one is fine. */
export function isCallersFault(f: AttemptFailure): boolean {
  return f.type === 'rejected';
}

/** A failure found by the router itself (a stream that broke its protocol), thrown inside an attempt. */
export class AttemptFailedError extends Error {
  constructor(readonly failure: AttemptFailure) {
    super(failure.message);
  }
}

/** Why the router cut an attempt short; set as the attempt's AbortSignal reason. */
export class AttemptAbort {
  constructor(readonly kind: 'first-token-timeout' | 'total-timeout' | 'deadline' | 'cancelled', readonly ms: number) {}
}

const unreachableCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT']);

function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string' && /^[A-Z_]+$/.test(c)) return c;
  }
  return undefined;
}

function httpFailure(error: APIError & { status: number }, nowMs: number): AttemptFailure {
  const upstream = readErrorBody({ error: error.error }) ?? { message: error.message };
  const retry = retryAfterMs(error.headers, nowMs);
  const base = { status: error.status, message: `HTTP ${error.status}: ${upstream.message}`, upstream, ...(retry === undefined ? {} : { retryAfterMs: retry }) };
  const s = error.status;
  if (s === 429) return { type: 'rate-limited', ...base };
  if (s === 503) return { type: 'busy', ...base };
  if (s === 401 || s === 403) return { type: 'unauthorized', ...base };
  if (s === 404) return { type: 'not-found', ...base };
  if (s === 408 || s >= 500) return { type: 'server-error', ...base };
  return { type: 'rejected', ...base };
}

/** What an error thrown by an attempt (the openai client, undici, a JSON parse) says about the endpoint. */
export function classifyError(error: unknown, nowMs: number): AttemptFailure {
  if (error instanceof AttemptFailedError) return error.failure;
  if (error instanceof APIConnectionTimeoutError) return { type: 'unreachable', message: 'connection timed out' };
  if (error instanceof APIConnectionError) {
    const c = networkCode(error.cause);
    if (c && unreachableCodes.has(c)) return { type: 'unreachable', message: `cannot connect (${c})` };
    return { type: 'server-error', message: `connection failed${c ? ` (${c})` : ''}: ${(error.cause as Error | undefined)?.message ?? error.message}` };
  }
  if (error instanceof APIError) {
    if (typeof error.status === 'number') return httpFailure(error as APIError & { status: number }, nowMs);
    // The client throws status-less APIErrors for `{error:…}` events inside a 200 stream.
    const upstream = readErrorBody({ error: error.error }) ?? { message: error.message };
    return { type: 'stream-error', message: `error inside the stream: ${upstream.message}`, upstream };
  }
  if (error instanceof SyntaxError) return { type: 'malformed', message: `not JSON: ${error.message}` };
  const c = networkCode(error);
  if (c) return { type: 'server-error', message: `connection lost mid-answer (${c})` };
  return { type: 'server-error', message: error instanceof Error ? error.message : String(error) };
}

/** A one-line account of a failure, for reasons and error messages. */
export function describeFailure(f: AttemptFailure): string {
  return `${f.type}: ${f.message}${f.retryAfterMs === undefined ? '' : ` (retry after ${Math.ceil(f.retryAfterMs / 1000)} s)`}`;
}
