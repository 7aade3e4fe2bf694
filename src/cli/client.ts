import { NodeUnreachableError, PaperdError } from '../errors.js';

/** A request error reported by a running node, with its code. */
export class RemoteError extends PaperdError {
  readonly code: string;
  constructor(code: string, message: string, override readonly status: number) {
    super(message);
    this.code = code;
  }
}

/** The key CLI commands send to a node: `PAPERD_API_KEY`. */
export function authHeaders(): Record<string, string> {
  const key = process.env.PAPERD_API_KEY;
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** GETs or POSTs JSON to a running node's API (with `PAPERD_API_KEY`); errors name the node and what it said. */
export async function callNode<T>(baseUrl: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { ...authHeaders(), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new NodeUnreachableError(`no paperd node answers at ${baseUrl}: ${(error as Error).message}`, { cause: error });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new NodeUnreachableError(`${url} answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const err = body as { error?: string; message?: string };
    throw new RemoteError(err.error ?? 'PAPERD_REMOTE', err.message ?? `HTTP ${response.status}`, response.status);
  }
  return body as T;
}
