import type { RefObject } from 'preact';
import { authorsLine, day } from '../format.js';
import { Link } from '../link.js';
import { paperHref } from '../router.js';
import type { SearchHit } from '../types.js';
import { Snippet } from './snippet.js';

/**
 * The hits of one page. Arrow keys move between them, Home and End jump, Escape goes back to the
 * query box; each title is a link, so Enter opens the paper.
 */
export function Results(props: { hits: SearchHit[]; busy: boolean; listRef: RefObject<HTMLOListElement | null>; onEscape: () => void; focusResult: (i: number) => void }) {
  const onKeyDown = (e: KeyboardEvent) => {
    const index = Number((e.target as HTMLElement).dataset.result ?? NaN);
    if (Number.isNaN(index)) return;
    const to = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: props.hits.length - 1 }[e.key];
    if (e.key === 'Escape' || (e.key === 'ArrowUp' && index === 0)) {
      e.preventDefault();
      props.onEscape();
    } else if (to !== undefined && to >= 0 && to < props.hits.length) {
      e.preventDefault();
      props.focusResult(to);
    }
  };
  return (
    <ol id="results" class="results" ref={props.listRef} aria-label="Results" aria-busy={props.busy} onKeyDown={onKeyDown}>
      {props.hits.map((hit, i) => (
        <li key={hit.id} class="result">
          <h2 class="result-title">
            <Link href={paperHref(hit.id)} data-result={i}>
              {hit.title}
            </Link>
          </h2>
          <p class="meta">
            <span>{authorsLine(hit.authors)}</span>
            {hit.published ? <time dateTime={hit.published}>{day(hit.published)}</time> : null}
            <span class="paper-id">{hit.id}</span>
            {hit.hasCode ? <span class="badge badge-code" title="Linked to a code repository">has code</span> : null}
          </p>
          <ul class="chips" aria-label="Categories">
            {hit.categories.map((c) => (
              <li key={c} class={c === hit.primaryCategory ? 'chip primary' : 'chip'}>
                {c}
              </li>
            ))}
          </ul>
          <Snippet html={hit.snippet} />
        </li>
      ))}
    </ol>
  );
}
