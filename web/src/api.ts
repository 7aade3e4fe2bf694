/** The API, same origin. The key (if the user gave one) rides along with every request. */

const KEY_STORAGE = 'paperd.apiKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** An answer other than 2xx, with the API's error code and message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

function headers(json: boolean): HeadersInit {
  const key = storedKey();
  return { accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...(json ? { 'content-type': 'application/json' } : {}) };
}

async function answer<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => null)) as (T & { error?: unknown; message?: string }) | null;
  if (!res.ok) {
    const code = typeof body?.error === 'string' ? body.error : `HTTP_${res.status}`;
    throw new ApiError(res.status, code, body?.message ?? `${res.status} ${res.statusText}`);
  }
  return body as T;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(path, { headers: headers(false), signal }));
}

/** Like getJson, but a 404 (a route this node does not have, or a missing thing) is `undefined`. */
export async function getOptional<T>(path: string, signal?: AbortSignal): Promise<T | undefined> {
  try {
    return await getJson<T>(path, signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return answer<T>(await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body) }));
}

export const enc = encodeURIComponent;
