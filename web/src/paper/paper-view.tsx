import { useEffect, useRef } from 'preact/hooks';
import { enc } from '../api.js';
import { authorsLine, day, isArxivId } from '../format.js';
import { ExternalLink, Link } from '../link.js';
import { paperHref } from '../router.js';
import type { CodeLinks, Neighbors, PaperDetails, SearchResult } from '../types.js';
import { useFetch } from '../use-fetch.js';
import { CodeLinksPanel } from './code-links.js';
import { arxivAbsUrl } from './entity-links.js';
import { Neighbourhood } from './neighbourhood.js';

/** One paper: metadata, versions, summary, tags and entities; its code, related papers and neighbourhood. */
export function PaperView(props: { id: string }) {
  const id = enc(props.id);
  const paper = useFetch<PaperDetails>(`/v1/papers/${id}`);
  const code = useFetch<CodeLinks>(`/v1/papers/${id}/code`);
  const related = useFetch<SearchResult>(`/v1/papers/${id}/related?limit=8`);
  const neighbors = useFetch<Neighbors>(`/v1/graph/entities/${enc(`paper:${props.id}`)}/neighbors?depth=1&limit=40`);
  const heading = useRef<HTMLHeadingElement>(null);

  // A new view moves focus to its heading, so a screen reader says where the user is.
  useEffect(() => heading.current?.focus(), [props.id, paper.state]);

  if (paper.state === 'loading') return <p role="status">Loading {props.id}…</p>;
  if (paper.state === 'absent') return <NotFound id={props.id} />;
  if (paper.state === 'error') return <p role="alert">Could not load {props.id}: {paper.message}</p>;
  const p = paper.data;
  const e = p.enrichment;

  return (
    <article class="paper" aria-labelledby="paper-title">
      <p class="back">
        <Link href="/">← Search</Link>
      </p>
      <h1 id="paper-title" tabIndex={-1} ref={heading}>
        {p.title}
      </h1>
      <p class="meta">
        <span class="paper-id">
          {p.id} v{p.version}
        </span>
        {p.published ? <span>published <time dateTime={p.published}>{day(p.published)}</time></span> : null}
        {p.updated && p.updated !== p.published ? <span>updated <time dateTime={p.updated}>{day(p.updated)}</time></span> : null}
        {p.hasCode ? <span class="badge badge-code">has code</span> : null}
      </p>
      <p class="authors">
        {p.authors.map((a, i) => (
          <span key={i} title={a.affiliations.join('; ') || undefined}>
            {a.name}
            {i < p.authors.length - 1 ? ', ' : ''}
          </span>
        ))}
      </p>
      <ul class="chips" aria-label="Categories">
        {p.categories.map((c) => (
          <li key={c} class={c === p.primaryCategory ? 'chip primary' : 'chip'}>
            <Link href={`/?${new URLSearchParams({ q: p.title, category: c })}`}>{c}</Link>
          </li>
        ))}
      </ul>
      {isArxivId(p.id) ? (
        <p class="outbound">
          <ExternalLink href={arxivAbsUrl(p.id)}>arXiv abstract page</ExternalLink>
          {p.doi ? <ExternalLink href={`https://doi.org/${p.doi}`}>DOI {p.doi}</ExternalLink> : null}
        </p>
      ) : p.doi ? (
        <p class="outbound">
          <ExternalLink href={`https://doi.org/${p.doi}`}>DOI {p.doi}</ExternalLink>
        </p>
      ) : null}

      <div class="paper-body">
        <div class="paper-main">
          {p.summary ? (
            <section class="panel" aria-labelledby="tldr-title">
              <h2 id="tldr-title">Summary</h2>
              <p>{p.summary}</p>
              {e ? <p class="muted">by {e.producer === 'llm' ? e.model ?? 'an LLM' : 'the embedded rules (no LLM answered yet)'}, from version {e.version}</p> : null}
            </section>
          ) : null}
          <section class="panel" aria-labelledby="abstract-title">
            <h2 id="abstract-title">Abstract</h2>
            <p class="abstract">{p.abstract}</p>
          </section>
          {e && (e.tags.length > 0 || Object.values(e.entities).some((l) => l.length > 0)) ? (
            <section class="panel" aria-labelledby="entities-title">
              <h2 id="entities-title">Tags and entities</h2>
              {e.tags.length > 0 ? (
                <ul class="chips" aria-label="Tags">
                  {e.tags.map((t) => (
                    <li key={t} class="chip tag">
                      {t}
                    </li>
                  ))}
                </ul>
              ) : null}
              <dl class="entity-kinds">
                {(['models', 'datasets', 'tasks', 'methods'] as const).map((k) =>
                  e.entities[k].length > 0 ? (
                    <div key={k}>
                      <dt>{k}</dt>
                      <dd>{e.entities[k].join(', ')}</dd>
                    </div>
                  ) : null,
                )}
              </dl>
            </section>
          ) : null}
          {code.state === 'ok' ? <CodeLinksPanel code={code.data} /> : null}
          <Details paper={p} />
        </div>
        <div class="paper-side">
          {neighbors.state === 'ok' ? <Neighbourhood paperId={p.id} neighbors={neighbors.data} /> : null}
          {related.state === 'ok' && related.data.hits.length > 0 ? (
            <section class="panel" aria-labelledby="related-title">
              <h2 id="related-title">Related papers</h2>
              <ol class="related">
                {related.data.hits.map((h) => (
                  <li key={h.id}>
                    <Link href={paperHref(h.id)}>{h.title}</Link>
                    <span class="muted">
                      {' '}
                      {authorsLine(h.authors, 2)} {day(h.published)}
                    </span>
                  </li>
                ))}
              </ol>
            </section>
          ) : null}
        </div>
      </div>
    </article>
  );
}

function Details(props: { paper: PaperDetails }) {
  const p = props.paper;
  const rows: [string, string | null][] = [
    ['Comment', p.comment],
    ['Journal', p.journalRef],
    ['License', p.license],
    ['Source', p.source],
    ['PDF', p.pdf.status + (p.pdf.error ? `: ${p.pdf.error}` : '')],
    ['Full text', p.text.status === 'extracted' ? `${p.text.chars.toLocaleString('en-US')} characters` : p.text.status],
  ];
  return (
    <section class="panel" aria-labelledby="details-title">
      <h2 id="details-title">Details and versions</h2>
      <dl class="details">
        {rows.map(([k, v]) =>
          v ? (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ) : null,
        )}
      </dl>
      <table class="versions">
        <caption class="visually-hidden">Versions</caption>
        <thead>
          <tr>
            <th scope="col">version</th>
            <th scope="col">date</th>
            <th scope="col">title</th>
          </tr>
        </thead>
        <tbody>
          {p.versions.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>{day(v.updated)}</td>
              <td>{v.title}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function NotFound(props: { id: string }) {
  return (
    <section>
      <h1>No paper {props.id}</h1>
      <p>
        This node does not hold it. <Link href={`/?${new URLSearchParams({ q: props.id })}`}>Search for it</Link>.
      </p>
    </section>
  );
}
