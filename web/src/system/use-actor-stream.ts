import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api.js';
import type { ActorNode, ActorsResponse, InspectionEvent, RestartEntry } from '../types.js';

export interface ActorStreamState {
  /** live: the event stream is open; polling: it could not be (e.g. reads need a key), so the page asks every few seconds. */
  readonly link: 'connecting' | 'live' | 'polling' | 'lost';
  readonly node: string;
  readonly tree: ActorNode[];
  readonly restarts: RestartEntry[];
  /** The latest lifecycle events, newest first. */
  readonly events: InspectionEvent[];
  /** Actors that failed or restarted lately, by path, with when: the tree marks them for a while. */
  readonly recent: Record<string, number>;
  readonly heartbeatAt: number | null;
}

const KEEP_EVENTS = 40;
const KEEP_RESTARTS = 200;
const POLL_MS = 3_000;

const sameRestart = (a: RestartEntry, b: RestartEntry) =>
  a.id !== undefined && b.id !== undefined ? a.id === b.id : a.at === b.at && a.actor === b.actor && a.event === b.event && a.attempt === b.attempt;

/** Newer records first, each once. */
function mergeRestarts(current: RestartEntry[], incoming: RestartEntry[]): RestartEntry[] {
  const fresh = incoming.filter((r) => !current.some((c) => sameRestart(c, r)));
  return [...fresh, ...current].sort((a, b) => b.at - a.at || (b.id ?? 0) - (a.id ?? 0)).slice(0, KEEP_RESTARTS);
}

/**
 * The live actor tree and restart log: server-sent events from /v1/actors/events, or polling of
 * /v1/actors and /v1/restarts when the stream cannot open (EventSource sends no Authorization
 * header, so a node whose reads need a key answers it 401).
 */
export function useActorStream(): ActorStreamState {
  const [state, setState] = useState<ActorStreamState>({ link: 'connecting', node: '', tree: [], restarts: [], events: [], recent: {}, heartbeatAt: null });

  useEffect(() => {
    let pollTimer: ReturnType<typeof setInterval> | undefined;
    let closed = false;
    const update = (f: (s: ActorStreamState) => ActorStreamState) => !closed && setState(f);

    const poll = async () => {
      try {
        const [actors, restarts] = await Promise.all([getJson<ActorsResponse>('/v1/actors'), getJson<{ restarts: RestartEntry[] }>('/v1/restarts?limit=50')]);
        update((s) => ({ ...s, link: 'polling', node: actors.node, tree: actors.tree, restarts: mergeRestarts(s.restarts, restarts.restarts) }));
      } catch {
        update((s) => ({ ...s, link: 'lost' }));
      }
    };

    const source = new EventSource('/v1/actors/events');
    const on = <T,>(name: string, handle: (data: T) => void) =>
      source.addEventListener(name, (e) => {
        try {
          handle(JSON.parse((e as MessageEvent<string>).data) as T);
        } catch {
          // A malformed event is skipped; the next tree event brings the page back in step.
        }
      });
    on<{ node: string; tree: ActorNode[]; restarts: RestartEntry[] }>('snapshot', (d) =>
      update((s) => ({ ...s, link: 'live', node: d.node, tree: d.tree, restarts: mergeRestarts(s.restarts, d.restarts) })),
    );
    on<{ tree: ActorNode[] }>('tree', (d) => update((s) => ({ ...s, tree: d.tree })));
    on<RestartEntry>('restart', (r) => update((s) => ({ ...s, restarts: mergeRestarts(s.restarts, [r]), recent: { ...s.recent, [r.actor]: Date.now() } })));
    on<{ at: number }>('heartbeat', (d) => update((s) => ({ ...s, link: 'live', heartbeatAt: d.at })));
    on<InspectionEvent>('actor', (event) =>
      update((s) => ({
        ...s,
        events: [event, ...s.events].slice(0, KEEP_EVENTS),
        recent: event.type === 'actor.failed' || event.type === 'actor.restarting' || event.type === 'supervisor.gave_up' ? { ...s.recent, [event.path]: Date.now() } : s.recent,
      })),
    );
    source.onopen = () => {
      if (pollTimer) clearInterval(pollTimer);
      pollTimer = undefined;
    };
    source.onerror = () => {
      // CONNECTING: the browser retries by itself. CLOSED: the stream was refused; poll instead.
      if (source.readyState === EventSource.CLOSED && !pollTimer) {
        void poll();
        pollTimer = setInterval(() => void poll(), POLL_MS);
      } else {
        update((s) => ({ ...s, link: 'connecting' }));
      }
    };
    return () => {
      closed = true;
      source.close();
      if (pollTimer) clearInterval(pollTimer);
    };
  }, []);

  return state;
}
