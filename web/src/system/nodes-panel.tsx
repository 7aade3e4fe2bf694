import type { ActorsResponse } from '../types.js';
import { useFetch } from '../use-fetch.js';
import { ActorTree } from './actor-tree.js';

/** The other nodes this one links to, with their trees when they send them; hidden when there are none. */
export function NodesPanel() {
  const actors = useFetch<ActorsResponse>('/v1/actors', 5_000);
  // The list names this node too (`self`); its tree is the live one above.
  const others = actors.state === 'ok' ? (actors.data.nodes ?? []).filter((n) => !n.self) : [];
  if (others.length === 0) return null;
  return (
    <section class="panel" aria-labelledby="nodes-title">
      <h2 id="nodes-title">Linked nodes</h2>
      <ul class="nodes">
        {others.map((n) => (
          <li key={n.name}>
            <span class="actor-name">{n.name}</span> <span class={`status status-${n.state}`}>{n.state}</span>
            {typeof n.lastHeardMsAgo === 'number' ? <span class="muted">heard {(n.lastHeardMsAgo / 1000).toFixed(1)} s ago</span> : null}
            {n.error ? <span class="last-error">{n.error}</span> : null}
            {n.tree?.length ? (
              <details>
                <summary>supervision tree</summary>
                <ActorTree tree={n.tree} recent={{}} label={`Supervision tree of ${n.name}`} />
              </details>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
