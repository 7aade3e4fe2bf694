import { LlmCancelledError, LlmDeadlineError, LlmNoRouteError, LlmRequestRejectedError, LlmUnavailableError, LlmUpstreamError } from '../errors.js';
import type { LlmRouter } from '../inference/router.js';
import { assertNever } from '../protocols/message.js';
import type { InferenceMessage, InferenceReplies, RemoteFailure, StreamFrameMessage } from '../protocols/link-inference.js';
import type { Behavior } from '../supervisors/index.js';
import { tellRemote, type RemoteRef } from './remote-ref.js';

/** A failure of this node's router, in the terms the asking node's router understands. */
export function failureOf(error: unknown): RemoteFailure {
  const message = (error as Error)?.message ?? String(error);
  if (error instanceof LlmRequestRejectedError) return { type: 'rejected', status: error.upstreamStatus, message };
  if (error instanceof LlmUnavailableError) return { type: 'busy', message, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: Math.max(0, Math.round(error.retryAfterMs)) }) };
  if (error instanceof LlmDeadlineError) return { type: 'total-timeout', message };
  if (error instanceof LlmNoRouteError) return { type: 'not-found', status: 404, message };
  if (error instanceof LlmCancelledError || error instanceof LlmUpstreamError) return { type: 'server-error', message };
  return { type: 'server-error', message };
}

interface InferenceState {
  inFlight: number;
  answered: number;
  failed: number;
  /** Streams running for other nodes, by their id: aborting one stops its upstream request. */
  readonly streams: Map<string, AbortController>;
}

/** Where a stream's frames go: the `streams` actor of the asking node (undefined: not a peer). */
export type StreamSink = (node: string) => RemoteRef<StreamFrameMessage, Record<string, never>> | undefined;

/**
 * The inference actor of a gpu or mac node: answers the main node's chat, embedding and probe asks
 * with this node's own router (in front of vLLM or Ollama). Each answer is sent when the router
 * finishes, not inside the handler, so many requests run at once up to the endpoints' caps while
 * the mailbox stays one message at a time.
 */
export function inferenceBehavior(router: LlmRouter, sink?: StreamSink): Behavior<InferenceMessage, InferenceState, InferenceReplies> {
  return {
    // The node's llm-router actor starts the router's probes; this actor only answers for it.
    init() {
      return { inFlight: 0, answered: 0, failed: 0, streams: new Map() };
    },
    terminate(state) {
      for (const controller of state.streams.values()) controller.abort(new Error('the inference actor stopped'));
    },
    receive(state, msg, ctx) {
      const reply = ctx.reply;
      const settle = <T>(work: Promise<T>, ok: (value: T) => InferenceReplies[keyof InferenceReplies]) => {
        state.inFlight++;
        work.then(
          (value) => {
            state.answered++;
            reply(ok(value));
          },
          (error: unknown) => {
            state.failed++;
            reply({ ok: false, failure: failureOf(error) });
          },
        ).finally(() => state.inFlight--);
      };
      switch (msg.type) {
        case 'llm.chat':
          settle(router.chat(msg.request, { priority: msg.priority }), (completion) => ({ ok: true, completion }));
          return state;
        case 'llm.embed':
          settle(router.embed(msg.request, { priority: msg.priority }), (response) => ({ ok: true, response }));
          return state;
        case 'llm.probe': {
          const up = router.snapshot().endpoints.filter((e) => e.state === 'up' && e.roles.includes(msg.role));
          const all = router.snapshot().endpoints.map((e) => `${e.name} ${e.state}`).join(', ');
          ctx.reply(up.length > 0 ? { ok: true } : { ok: false, failure: { type: 'unreachable', message: `no ${msg.role} endpoint is up here (${all || 'none configured'})` } });
          return state;
        }
        case 'llm.stream': {
          const frames = sink?.(msg.replyTo);
          if (!frames) {
            ctx.reply({ ok: false, failure: { type: 'rejected', status: 400, message: `${msg.replyTo} is not a link peer of this node` } });
            return state;
          }
          const controller = new AbortController();
          state.streams.set(msg.streamId, controller);
          state.inFlight++;
          void relayStream(router, msg, frames, controller.signal, reply).then(
            (ok) => (ok ? state.answered++ : state.failed++),
          ).finally(() => {
            state.inFlight--;
            state.streams.delete(msg.streamId);
          });
          return state;
        }
        case 'llm.stream.cancel':
          state.streams.get(msg.streamId)?.abort(new Error('the asking node cancelled the stream'));
          return state;
        default:
          return assertNever(msg);
      }
    },
    summary: (state) => ({ inFlight: state.inFlight, answered: state.answered, failed: state.failed, streams: state.streams.size, endpoints: router.snapshot().endpoints.map((e) => ({ name: e.name, state: e.state })) }),
  };
}

/**
 * Runs one stream for another node: answers the ask once this node's router has the first token
 * (or has failed), then tells each chunk as it comes, numbered, and an end frame. A cancel from
 * the asker aborts the router's call; nothing more is sent then. True when it ran to its end.
 */
async function relayStream(
  router: LlmRouter,
  msg: Extract<InferenceMessage, { type: 'llm.stream' }>,
  frames: RemoteRef<StreamFrameMessage, Record<string, never>>,
  signal: AbortSignal,
  reply: (value: InferenceReplies['llm.stream']) => void,
): Promise<boolean> {
  let stream: Awaited<ReturnType<LlmRouter['chatStream']>>;
  try {
    stream = await router.chatStream(msg.request, { priority: msg.priority, signal });
  } catch (error) {
    reply({ ok: false, failure: failureOf(error) });
    return false;
  }
  reply({ ok: true });
  // A new run of the asker knows nothing of this stream: stop it rather than stream to nobody.
  const askerBoot = frames.session.peerBoot;
  let seq = 0;
  const send = (frame: Omit<Extract<StreamFrameMessage, { type: 'llm.stream.frame' }>, 'type' | 'streamId' | 'seq'>) =>
    tellRemote(frames, { type: 'llm.stream.frame', streamId: msg.streamId, seq: seq++, ...frame });
  try {
    for await (const chunk of stream) {
      if (signal.aborted) break;
      if (frames.session.peerBoot !== askerBoot) {
        stream.cancel();
        return false;
      }
      send({ chunk });
    }
    if (signal.aborted) return false;
    send({ end: { ok: true } });
    return true;
  } catch (error) {
    stream.cancel();
    // A cancel from the asker needs no end: it stopped reading.
    if (!signal.aborted) {
      try {
        send({ end: { ok: false, failure: failureOf(error) } });
      } catch {
        // The asker's outbox is full; its own deadline ends the stream there.
      }
    }
    return false;
  }
}
