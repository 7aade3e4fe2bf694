import { useEffect, useRef } from 'preact/hooks';
import { time } from '../format.js';
import { KeyForm } from '../key-form.js';
import { ActorTree } from './actor-tree.js';
import { JobsPanel } from './jobs-panel.js';
import { LlmPanel } from './llm-panel.js';
import { NodesPanel } from './nodes-panel.js';
import { PipelinePanel } from './pipeline-panel.js';
import { RestartLog } from './restart-log.js';
import { useActorStream } from './use-actor-stream.js';

const LINK_TEXT = {
  connecting: 'connecting to the live stream…',
  live: 'live',
  polling: 'updating every few seconds (the live stream is not open to this page)',
  lost: 'the node does not answer',
} as const;

/** The system: the live supervision tree and restart log, the pipeline, LLM endpoints, linked nodes, offline jobs. */
export function SystemView() {
  const stream = useActorStream();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <section class="system" aria-labelledby="system-title">
      <h1 id="system-title" tabIndex={-1} ref={heading}>
        System{stream.node ? ` of node ${stream.node}` : ''}
      </h1>
      <p class={`link link-${stream.link}`} role="status">
        <span class="dot" aria-hidden="true" /> {LINK_TEXT[stream.link]}
        {stream.heartbeatAt ? <span class="muted"> · heartbeat {time(stream.heartbeatAt)}</span> : null}
      </p>
      {stream.link === 'lost' ? <KeyForm id="read-key" label="If this node needs a key for reads, give it here" /> : null}
      <div class="system-grid">
        <section class="panel tree-panel" aria-labelledby="tree-title">
          <h2 id="tree-title">Supervision tree</h2>
          <ActorTree tree={stream.tree} recent={stream.recent} label="Supervision tree of this node" />
        </section>
        <div class="system-side">
          <PipelinePanel />
          <LlmPanel />
          <NodesPanel />
          <section class="panel" aria-labelledby="events-title">
            <h2 id="events-title">Latest actor events</h2>
            {stream.events.length === 0 ? <p class="muted">None since this page opened.</p> : null}
            <ol class="events" aria-live="polite" aria-relevant="additions">
              {stream.events.slice(0, 12).map((e) => (
                <li key={`${e.at}:${e.type}:${e.path}`}>
                  <time>{time(e.at)}</time> <span class={`event event-${e.type.replace('.', '-')}`}>{e.type}</span> <span class="mono">{e.path}</span>
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>
      <section class="panel" aria-labelledby="restarts-title">
        <h2 id="restarts-title">Restart log</h2>
        <RestartLog restarts={stream.restarts} />
      </section>
      <JobsPanel />
    </section>
  );
}
