import { useEffect, useState } from 'preact/hooks';

/** The page's views; the URL says which, and holds a search's query so it can be shared. */
export type Route =
  | { readonly view: 'search'; readonly params: URLSearchParams }
  | { readonly view: 'paper'; readonly id: string }
  | { readonly view: 'system' }
  | { readonly view: 'missing'; readonly path: string };

export function parseRoute(location: { pathname: string; search: string }): Route {
  const path = location.pathname;
  if (path === '/' || path === '') return { view: 'search', params: new URLSearchParams(location.search) };
  if (path === '/system') return { view: 'system' };
  if (path.startsWith('/paper/') && path.length > '/paper/'.length) return { view: 'paper', id: decodeURIComponent(path.slice('/paper/'.length)) };
  return { view: 'missing', path };
}

const CHANGE = 'paperd:navigate';

/** Changes the URL without a reload; `replace` for updates that should not fill the history (typing). */
export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  dispatchEvent(new Event(CHANGE));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location));
    addEventListener('popstate', update);
    addEventListener(CHANGE, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

/** A click a link should handle itself: plain left click, no modifier (those open a tab). */
export function isPlainClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey && !e.defaultPrevented;
}

export const paperHref = (id: string) => `/paper/${encodeURIComponent(id)}`;
