/** A search as the URL holds it, so a search can be shared and the back button works. */
export interface SearchState {
  readonly q: string;
  readonly categories: readonly string[];
  readonly from: string;
  readonly until: string;
  readonly hasCode: '' | 'true' | 'false';
  readonly mode: '' | 'hybrid' | 'bm25' | 'vector';
  readonly page: number;
}

export const PAGE_SIZE = 20;
const MODES = ['hybrid', 'bm25', 'vector'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function stateFromParams(params: URLSearchParams): SearchState {
  const mode = params.get('mode') ?? '';
  const hasCode = params.get('hasCode') ?? '';
  const page = Number.parseInt(params.get('page') ?? '1', 10);
  return {
    q: params.get('q') ?? '',
    categories: params.getAll('category').filter(Boolean),
    from: DAY.test(params.get('from') ?? '') ? params.get('from')! : '',
    until: DAY.test(params.get('until') ?? '') ? params.get('until')! : '',
    hasCode: hasCode === 'true' || hasCode === 'false' ? hasCode : '',
    mode: (MODES as readonly string[]).includes(mode) ? (mode as SearchState['mode']) : '',
    page: Number.isFinite(page) && page >= 1 ? Math.min(page, 500) : 1,
  };
}

/** The page's own URL for a search (defaults left out, so shared links stay short). */
export function searchUrl(state: SearchState): string {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  for (const c of state.categories) params.append('category', c);
  if (state.from) params.set('from', state.from);
  if (state.until) params.set('until', state.until);
  if (state.hasCode) params.set('hasCode', state.hasCode);
  if (state.mode) params.set('mode', state.mode);
  if (state.page > 1) params.set('page', String(state.page));
  const qs = params.toString();
  return qs ? `/?${qs}` : '/';
}

/** The API request for a search; undefined when there is nothing to ask. */
export function searchRequest(state: SearchState): string | undefined {
  if (!state.q.trim()) return undefined;
  const params = new URLSearchParams({ q: state.q, limit: String(PAGE_SIZE), offset: String((state.page - 1) * PAGE_SIZE) });
  for (const c of state.categories) params.append('category', c);
  if (state.from) params.set('from', state.from);
  if (state.until) params.set('until', state.until);
  if (state.hasCode) params.set('hasCode', state.hasCode);
  if (state.mode) params.set('mode', state.mode);
  return `/v1/search?${params}`;
}
