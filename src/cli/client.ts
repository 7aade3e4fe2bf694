import { NodeUnreachableError, PaperdError } from '../errors.js';
import { dataDirOwner } from '../storage/data-dir-lock.js';

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

/** The node to ask: `--url`, else the one that owns `--data` (its lock names its URL). */
export function nodeUrlOf(opts: { url?: string; data?: string }): string {
  if (opts.url) return opts.url;
  const dir = opts.data ?? './data';
  const owner = dataDirOwner(dir);
  if (!owner?.url) throw new NodeUnreachableError(`no paperd node is running on ${dir}: start one (paperd up --data ${dir}) or pass --url for a node elsewhere`);
  return owner.url;
}

/**
 * Sends a request to a running node's API (JSON body, `PAPERD_API_KEY`) and answers its response
 * when it is a success; errors name the node and what it said.
 */
export async function requestNode(baseUrl: string, path: string, init: { method?: string; body?: unknown; timeoutMs?: number } = {}): Promise<Response> {
  const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { ...authHeaders(), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new NodeUnreachableError(`no paperd node answers at ${baseUrl}: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    let err: { error?: string; message?: string } = {};
    try {
      err = JSON.parse(text) as typeof err;
    } catch {
      throw new NodeUnreachableError(`${url} answered ${response.status} with a body that is not JSON`);
    }
    throw new RemoteError(err.error ?? 'PAPERD_REMOTE', err.message ?? `HTTP ${response.status}`, response.status);
  }
  return response;
}

/** GETs or POSTs JSON to a running node's API and answers the JSON it sent back. */
export async function callNode<T>(baseUrl: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await requestNode(baseUrl, path, init);
  try {
    return JSON.parse(await response.text()) as T;
  } catch {
    throw new NodeUnreachableError(`${response.url} answered ${response.status} with a body that is not JSON`);
  }
}
