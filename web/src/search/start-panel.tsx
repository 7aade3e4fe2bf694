import { BarChart } from '../charts/bar-chart.js';
import { count, day } from '../format.js';
import { useShared } from '../use-fetch.js';
import type { PapersPerDay, StoreStats } from '../types.js';

/** Before a query: what the store holds, and papers per day. */
export function StartPanel() {
  const stats = useShared<StoreStats>('/v1/stats', 60_000);
  const perDay = useShared<PapersPerDay>('/v1/stats/papers-per-day?days=60', 60_000);
  return (
    <div class="start">
      {stats.state === 'ok' ? (
        <dl class="figures">
          <div><dt>papers</dt><dd>{count(stats.data.papers)}</dd></div>
          <div><dt>with code</dt><dd>{count(stats.data.withCode)}</dd></div>
          <div><dt>with full text</dt><dd>{count(stats.data.withFullText)}</dd></div>
          <div><dt>authors</dt><dd>{count(stats.data.authors)}</dd></div>
          {stats.data.lastAnnouncement ? <div><dt>last announcement</dt><dd>{day(stats.data.lastAnnouncement)}</dd></div> : null}
        </dl>
      ) : null}
      {perDay.state === 'ok' && perDay.data.days.some((d) => d.count > 0) ? (
        <BarChart label={`Papers per day, ${perDay.data.from} to ${perDay.data.until}`} unit={{ one: 'paper', many: 'papers' }} points={perDay.data.days.map((d) => ({ x: d.day, y: d.count }))} />
      ) : null}
      <p class="hint">
        Keys: <kbd>/</kbd> search, <kbd>↓</kbd> <kbd>↑</kbd> move through results, <kbd>Enter</kbd> open, <kbd>Esc</kbd> back to the query.
      </p>
    </div>
  );
}
