import { count, time } from '../format.js';
import type { ActorNode } from '../types.js';

/** How long an actor that failed or restarted stays marked in the tree. */
const RECENT_MS = 15_000;

function ActorRow(props: { node: ActorNode; recent: Record<string, number>; now: number }) {
  const { node } = props;
  const marked = (props.recent[node.path] ?? 0) > props.now - RECENT_MS;
  return (
    <li class={`actor ${node.kind}`} data-path={node.path}>
      <div class={`actor-row${marked ? ' recent' : ''}`}>
        <span class="actor-name" title={node.path}>
          {node.name}
        </span>
        <span class={`status status-${node.status}`}>{node.status}</span>
        <span class="num" title="mailbox depth (queued + in flight)">
          <span class="label">depth</span> {count(node.depth)}
        </span>
        <span class="num" title="handlers running">
          <span class="label">in flight</span> {count(node.inFlight)}
        </span>
        <span class="num" title="messages handled">
          <span class="label">handled</span> {count(node.handled)}
        </span>
        <span class={`num restarts${node.restarts > 0 ? ' some' : ''}`} title="restarts">
          <span class="label">restarts</span> <span class="restart-count">{count(node.restarts)}</span>
        </span>
        {node.lastError ? (
          <span class="last-error" title={node.lastError.stack}>
            {time(node.lastError.at)} {node.lastError.name}: {node.lastError.message}
          </span>
        ) : null}
      </div>
      {node.children.length > 0 ? (
        <ul class="actor-children">
          {node.children.map((c) => (
            <ActorRow key={c.path} node={c} recent={props.recent} now={props.now} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** A supervision tree: every actor with its status, mailbox depth, in flight, handled, restarts and last error. */
export function ActorTree(props: { tree: ActorNode[]; recent: Record<string, number>; label: string }) {
  const now = Date.now();
  return (
    <ul class="actor-tree" aria-label={props.label}>
      {props.tree.map((n) => (
        <ActorRow key={n.path} node={n} recent={props.recent} now={now} />
      ))}
    </ul>
  );
}
