import { Type, type Static } from '@sinclair/typebox';
import { describeError, errorCodeOf } from '../errors.js';
import { messageSchema } from '../protocols/message.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { CheckpointStore } from '../sources/arxiv/harvest-checkpoint.js';
import type { HuggingfaceClient } from '../sources/huggingface/client.js';
import { HuggingfacePoller, type ApplyFacts, type HfPollReport } from '../sources/huggingface/poller.js';
import { tell, type Behavior } from '../supervisors/index.js';

/** Poll the Hugging Face daily papers now (also what the actor's own timer sends). */
export const HuggingfacePoll = messageSchema('huggingfacePoll', {});
export const HuggingfacePollerMessage = Type.Union([HuggingfacePoll]);
export type HuggingfacePollerMessage = Static<typeof HuggingfacePollerMessage>;
/** An `ask` gets the poll's report, or the error that ended it. */
export type HuggingfacePollerReplies = { huggingfacePoll: HfPollReport | { readonly error: string } };

export interface HuggingfacePollerDeps {
  readonly client: HuggingfaceClient;
  readonly checkpoints: CheckpointStore;
  readonly apply: ApplyFacts;
  readonly intervalMs: number;
  readonly lookbackDays?: number;
  readonly finalAfterMs?: number;
}

interface HfPollerState {
  readonly poller: HuggingfacePoller;
  readonly clock: Clock;
  timer: TimerHandle | undefined;
  readonly stop: AbortController;
  polls: number;
  consecutiveFailures: number;
  lastPollAt: number | undefined;
  lastError: string | undefined;
  papers: number;
}

/**
 * Polls the Hugging Face daily papers every `intervalMs` (and on `huggingfacePoll`), handing the
 * facts to `apply`. A failed poll is logged and retried sooner, with a backoff capped at the
 * interval, rather than crashing: finished days are checkpointed, so nothing is redone.
 */
export function huggingfacePollerBehavior(deps: HuggingfacePollerDeps): Behavior<HuggingfacePollerMessage, HfPollerState, HuggingfacePollerReplies> {
  return {
    init(ctx) {
      tell(ctx.self, { type: 'huggingfacePoll' });
      const poller = new HuggingfacePoller({ ...deps, clock: ctx.clock, logger: ctx.log });
      return { poller, clock: ctx.clock, timer: undefined, stop: new AbortController(), polls: 0, consecutiveFailures: 0, lastPollAt: undefined, lastError: undefined, papers: 0 };
    },
    async receive(state, _msg, ctx) {
      if (state.timer) ctx.clock.clearTimeout(state.timer);
      state.timer = undefined;
      state.lastPollAt = ctx.clock.now();
      state.polls++;
      try {
        const report = await state.poller.poll(state.stop.signal);
        state.consecutiveFailures = 0;
        state.lastError = undefined;
        state.papers += report.days.reduce((n, d) => n + d.papers, 0);
        ctx.reply(report);
      } catch (error) {
        // Stopping is not the Hub failing: no new timer.
        if (state.stop.signal.aborted) return state;
        state.consecutiveFailures++;
        state.lastError = `${errorCodeOf(error)}: ${describeError(error).message}`;
        ctx.log.warn({ err: error, consecutiveFailures: state.consecutiveFailures }, 'huggingface poll failed; retrying after backoff');
        ctx.reply({ error: state.lastError });
      }
      const delay = state.consecutiveFailures === 0 ? deps.intervalMs : Math.min(deps.intervalMs, 30_000 * 2 ** (state.consecutiveFailures - 1));
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'huggingfacePoll' }), delay);
      return state;
    },
    terminate(state) {
      if (state.timer) state.clock.clearTimeout(state.timer);
      state.stop.abort(new Error('huggingface poller stopping'));
    },
    summary: (state) => ({
      polls: state.polls,
      papers: state.papers,
      lastPollAt: state.lastPollAt === undefined ? null : new Date(state.lastPollAt).toISOString(),
      consecutiveFailures: state.consecutiveFailures,
      lastError: state.lastError ?? null,
    }),
  };
}
