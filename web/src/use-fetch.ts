import { useEffect, useRef, useState } from 'preact/hooks';
import { getOptional } from './api.js';

/** What one GET gave: loading, the body, absent (404: this node has no such route or thing), or an error. */
export type Fetched<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'absent' } | { state: 'error'; message: string };

const shared = new Map<string, { at: number; answer: Promise<unknown> }>();

/**
 * One answer for every caller within `maxAgeMs`: for what a view shows each time it appears
 * (the start page's counts), so clearing the query box does not ask the node again while the
 * next search is on its way.
 */
export function getShared<T>(path: string, maxAgeMs: number): Promise<T | undefined> {
  const hit = shared.get(path);
  if (hit && Date.now() - hit.at < maxAgeMs) return hit.answer as Promise<T | undefined>;
  const answer = getOptional<T>(path);
  shared.set(path, { at: Date.now(), answer });
  answer.catch(() => shared.delete(path));
  return answer;
}

/** Like useFetch, once, through getShared. */
export function useShared<T>(path: string, maxAgeMs: number): Fetched<T> {
  const [fetched, setFetched] = useState<Fetched<T>>({ state: 'loading' });
  useEffect(() => {
    let stopped = false;
    getShared<T>(path, maxAgeMs).then(
      (data) => !stopped && setFetched(data === undefined ? { state: 'absent' } : { state: 'ok', data }),
      (error: unknown) => !stopped && setFetched({ state: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      stopped = true;
    };
  }, [path, maxAgeMs]);
  return fetched;
}

/**
 * GETs `path` (again when it changes, every `everyMs` if given, and when `reload` changes),
 * aborting what is in flight. A reload keeps showing the last answer until the new one comes.
 */
export function useFetch<T>(path: string | undefined, everyMs?: number, reload = 0): Fetched<T> {
  const [fetched, setFetched] = useState<Fetched<T>>({ state: 'loading' });
  const lastPath = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!path) return;
    if (lastPath.current !== path) setFetched({ state: 'loading' });
    lastPath.current = path;
    let abort = new AbortController();
    let stopped = false;
    const load = () => {
      abort.abort();
      abort = new AbortController();
      const signal = abort.signal;
      getOptional<T>(path, signal).then(
        (data) => !stopped && setFetched(data === undefined ? { state: 'absent' } : { state: 'ok', data }),
        (error: unknown) => !stopped && !signal.aborted && setFetched({ state: 'error', message: error instanceof Error ? error.message : String(error) }),
      );
    };
    load();
    const timer = everyMs ? setInterval(load, everyMs) : undefined;
    return () => {
      stopped = true;
      abort.abort();
      if (timer) clearInterval(timer);
    };
  }, [path, everyMs, reload]);
  return fetched;
}
