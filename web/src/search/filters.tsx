import type { SearchResult } from '../types.js';
import type { SearchState } from './search-state.js';

/** Filters (category, dates, code, mode) with the facets of the current answer as counts. */
export function Filters(props: { state: SearchState; result: SearchResult | undefined; go: (next: Partial<SearchState>) => void }) {
  const { state, result, go } = props;
  const facetCategories = result?.facets.categories ?? [];
  // Chosen categories stay listed even when the answer has none of them, so they can be unticked.
  const categories = [...facetCategories, ...state.categories.filter((c) => !facetCategories.some((f) => f.value === c)).map((value) => ({ value, count: 0 }))];
  const toggle = (c: string) => go({ categories: state.categories.includes(c) ? state.categories.filter((x) => x !== c) : [...state.categories, c] });
  const filtered = state.categories.length > 0 || state.from || state.until || state.hasCode || state.mode;

  return (
    <aside class="filters" aria-label="Filters">
      <fieldset>
        <legend>Code</legend>
        <select aria-label="Has code" value={state.hasCode} onChange={(e) => go({ hasCode: e.currentTarget.value as SearchState['hasCode'] })}>
          <option value="">any</option>
          <option value="true">with code</option>
          <option value="false">without code</option>
        </select>
      </fieldset>
      <fieldset class="dates">
        <legend>Published</legend>
        <label>
          from <input type="date" value={state.from} onChange={(e) => go({ from: e.currentTarget.value })} />
        </label>
        <label>
          until <input type="date" value={state.until} onChange={(e) => go({ until: e.currentTarget.value })} />
        </label>
        {result && result.facets.years.length > 0 ? (
          <ul class="facet-list years" aria-label="Years">
            {result.facets.years.map((y) => (
              <li key={y.value}>
                <button type="button" class="facet" onClick={() => go({ from: `${y.value}-01-01`, until: `${y.value}-12-31` })}>
                  {y.value} <span class="count">{y.count.toLocaleString('en-US')}</span>
                </button>
              </li>
            ))}
          </ul>
        ) : null}
      </fieldset>
      {categories.length > 0 ? (
        <fieldset>
          <legend>Category</legend>
          <ul class="facet-list">
            {categories.slice(0, 15).map((c) => (
              <li key={c.value}>
                <label class="facet">
                  <input type="checkbox" checked={state.categories.includes(c.value)} onChange={() => toggle(c.value)} />
                  {c.value} <span class="count">{c.count.toLocaleString('en-US')}</span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      ) : null}
      <fieldset>
        <legend>Ranking</legend>
        <select aria-label="Ranking" value={state.mode} onChange={(e) => go({ mode: e.currentTarget.value as SearchState['mode'] })}>
          <option value="">hybrid (default)</option>
          <option value="bm25">words (BM25)</option>
          <option value="vector">meaning (vectors)</option>
        </select>
      </fieldset>
      {filtered ? (
        <button type="button" class="link-button" onClick={() => go({ categories: [], from: '', until: '', hasCode: '', mode: '' })}>
          Clear filters
        </button>
      ) : null}
    </aside>
  );
}
