import { count, time } from '../format.js';
import type { LlmEndpoint } from '../types.js';
import { useFetch } from '../use-fetch.js';

/** Each LLM endpoint's health; hidden on a node that routes no inference. */
export function LlmPanel() {
  const endpoints = useFetch<{ endpoints: LlmEndpoint[] }>('/v1/llm/endpoints', 5_000);
  if (endpoints.state !== 'ok') return null;
  return (
    <section class="panel" aria-labelledby="llm-title">
      <h2 id="llm-title">LLM endpoints</h2>
      {endpoints.data.endpoints.length === 0 ? <p class="muted">None configured: the embedded fallback answers.</p> : null}
      <ul class="endpoints">
        {endpoints.data.endpoints.map((e) => (
          <li key={e.name}>
            <span class="actor-name">{e.name}</span> <span class="muted">{e.kind}</span>{' '}
            <span class={`status status-${e.state}`}>{e.state}</span>
            <span class="num">p50 {e.latency.p50Ms === null ? '—' : `${Math.round(e.latency.p50Ms)} ms`}</span>
            <span class="num">in flight {count(e.inFlight)}</span>
            <span class="num">
              {count(e.requests)} requests, {count(e.errors)} errors
            </span>
            {e.reason ? <span class="last-error">{e.reason}</span> : null}
            {e.lastProbe ? <span class="muted">probe {time(e.lastProbe.at)} {e.lastProbe.ok ? 'ok' : e.lastProbe.message ?? 'failed'}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
