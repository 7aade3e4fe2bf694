import { LlmCancelledError, LlmDeadlineError, LlmNoRouteError, LlmRequestRejectedError, LlmUnavailableError, LlmUpstreamError } from '../errors.js';
import type { LlmRouter } from '../inference/router.js';
import { assertNever } from '../protocols/message.js';
import type { InferenceMessage, InferenceReplies, RemoteFailure } from '../protocols/link-inference.js';
import type { Behavior } from '../supervisors/index.js';

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
}

/**
 * The inference actor of a gpu or mac node: answers the main node's chat, embedding and probe asks
 * with this node's own router (in front of vLLM or Ollama). Each answer is sent when the router
 * finishes, not inside the handler, so many requests run at once up to the endpoints' caps while
 * the mailbox stays one message at a time.
 */
export function inferenceBehavior(router: LlmRouter): Behavior<InferenceMessage, InferenceState, InferenceReplies> {
  return {
    // The node's llm-router actor starts the router's probes; this actor only answers for it.
    init() {
      return { inFlight: 0, answered: 0, failed: 0 };
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
        default:
          return assertNever(msg);
      }
    },
    summary: (state) => ({ ...state, endpoints: router.snapshot().endpoints.map((e) => ({ name: e.name, state: e.state })) }),
  };
}
