import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson } from '../api.js';
import { KeyForm } from '../key-form.js';
import { navigate } from '../router.js';
import type { SearchResult } from '../types.js';
import { Filters } from './filters.js';
import { Results } from './results.js';
import { PAGE_SIZE, searchRequest, searchUrl, stateFromParams, type SearchState } from './search-state.js';
import { StartPanel } from './start-panel.js';

type Answer = { request: string; page: number; result: SearchResult; ms: number } | { request: string; error: string; status: number };

/**
 * Typing waits this long for the next key before asking. Shorter than the gap between keys of
 * someone typing, so it costs a typist nothing, but a paste or a held key asks once.
 */
const TYPING_PAUSE_MS = 30;

/** Search: a query box with instant results, filters and facets, pages; the URL holds all of it. */
export function SearchView(props: { params: URLSearchParams }) {
  const state = stateFromParams(props.params);
  const request = searchRequest(state);
  const [answer, setAnswer] = useState<Answer | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [retry, setRetry] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const results = useRef<HTMLOListElement>(null);

  const go = (next: Partial<SearchState>, replace = false) => navigate(searchUrl({ ...state, page: 1, ...next }), replace);

  useEffect(() => {
    if (!request) {
      setAnswer(undefined);
      setLoading(false);
      return;
    }
    const abort = new AbortController();
    const page = state.page;
    setLoading(true);
    const timer = setTimeout(() => {
      const started = performance.now();
      getJson<SearchResult>(request, abort.signal).then(
        (result) => {
          setAnswer({ request, page, result, ms: Math.round(performance.now() - started) });
          setLoading(false);
        },
        (error: unknown) => {
          if (abort.signal.aborted) return;
          setAnswer({ request, error: error instanceof Error ? error.message : String(error), status: error instanceof ApiError ? error.status : 0 });
          setLoading(false);
        },
      );
    }, TYPING_PAUSE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [request, retry]);

  // "/" from anywhere but a field puts the cursor in the query box.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || target?.closest('input, textarea, select')) return;
      e.preventDefault();
      input.current?.focus();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const result = answer && 'result' in answer ? answer.result : undefined;
  const focusResult = (i: number) => results.current?.querySelector<HTMLAnchorElement>(`a[data-result="${i}"]`)?.focus();
  const total = result?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <section class="search" aria-labelledby="search-title">
      <h1 id="search-title" class="visually-hidden">Paper search</h1>
      <form
        class="query"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          focusResult(0);
        }}
      >
        <label for="q">Search papers</label>
        <input
          id="q"
          ref={input}
          type="search"
          name="q"
          value={state.q}
          autoComplete="off"
          spellcheck={false}
          placeholder="e.g. sparse attention for long documents"
          aria-describedby="search-status"
          aria-controls={result && request ? 'results' : undefined}
          onInput={(e) => go({ q: e.currentTarget.value }, true)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && result?.hits.length) {
              e.preventDefault();
              focusResult(0);
            }
          }}
          autoFocus
        />
      </form>
      <div class="search-body">
        <Filters state={state} result={result} go={go} />
        <div class="search-main">
          <p id="search-status" class="status" role="status" aria-live="polite">
            {!request
              ? 'Type to search titles, abstracts and full text.'
              : loading && !result
                ? 'Searching…'
                : answer && 'error' in answer
                  ? `Search failed: ${answer.error}`
                  : result
                    ? statusLine(result, answer && 'ms' in answer ? answer.ms : 0, answer && 'page' in answer ? answer.page : state.page, pages)
                    : ''}
          </p>
          {answer && 'error' in answer && answer.status === 401 ? <KeyForm id="read-key" label="This node needs an API key for reads" onSaved={() => setRetry((n) => n + 1)} /> : null}
          {result?.degraded ? <p class="notice">{result.degraded}</p> : null}
          {result?.narrowed ? <p class="notice">{result.narrowed}</p> : null}
          {!request ? <StartPanel /> : null}
          {result && request ? (
            <Results
              listRef={results}
              hits={result.hits}
              busy={loading}
              onEscape={() => input.current?.focus()}
              focusResult={focusResult}
            />
          ) : null}
          {result && total > PAGE_SIZE ? (
            <nav class="pager" aria-label="Result pages">
              <button type="button" disabled={state.page <= 1} onClick={() => go({ page: state.page - 1 })}>
                ← Previous
              </button>
              <span>
                Page {state.page} of {pages}
              </span>
              <button type="button" disabled={state.page >= pages} onClick={() => go({ page: state.page + 1 })}>
                Next →
              </button>
            </nav>
          ) : null}
        </div>
      </div>
    </section>
  );
}

function statusLine(result: SearchResult, ms: number, page: number, pages: number): string {
  if (result.total === 0) return result.reason ? `No results: ${result.reason}` : 'No results.';
  const paged = pages > 1 ? `, page ${page} of ${pages}` : '';
  return `${result.total.toLocaleString('en-US')} result${result.total === 1 ? '' : 's'}${paged} (${result.mode}, ${ms} ms)`;
}
