import { Type, type Static } from '@sinclair/typebox';
import { describeError, errorCodeOf } from '../errors.js';
import { messageSchema } from '../protocols/message.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { GithubClient } from '../sources/github/client.js';
import type { EtagStore } from '../sources/github/etag-store.js';
import { GithubPoller, type GithubPollReport, type WatchedRepositories } from '../sources/github/poller.js';
import type { ApplyFacts } from '../sources/huggingface/poller.js';
import { tell, type Behavior } from '../supervisors/index.js';

/** Poll the watched GitHub repositories now (also what the actor's own timer sends). */
export const GithubPoll = messageSchema('githubPoll', {});
export const GithubPollerMessage = Type.Union([GithubPoll]);
export type GithubPollerMessage = Static<typeof GithubPollerMessage>;
/** An `ask` gets the poll's report, or the error that ended it. */
export type GithubPollerReplies = { githubPoll: GithubPollReport | { readonly error: string } };

export interface GithubPollerDeps {
  readonly client: GithubClient;
  readonly etags: EtagStore;
  readonly watched: WatchedRepositories;
  readonly apply: ApplyFacts;
  readonly intervalMs: number;
}

interface GhPollerState {
  readonly poller: GithubPoller;
  readonly client: GithubClient;
  readonly clock: Clock;
  timer: TimerHandle | undefined;
  readonly stop: AbortController;
  polls: number;
  consecutiveFailures: number;
  lastPollAt: number | undefined;
  lastError: string | undefined;
  modified: number;
  notModified: number;
}

/**
 * Polls the repositories papers link to every `intervalMs` (and on `githubPoll`), handing the facts
 * to `apply`. The client waits out GitHub's rate limit itself; a failed poll is logged and retried
 * sooner, with a backoff capped at the interval, rather than crashing.
 */
export function githubPollerBehavior(deps: GithubPollerDeps): Behavior<GithubPollerMessage, GhPollerState, GithubPollerReplies> {
  return {
    init(ctx) {
      tell(ctx.self, { type: 'githubPoll' });
      const poller = new GithubPoller({ ...deps, clock: ctx.clock, logger: ctx.log });
      return {
        poller, client: deps.client, clock: ctx.clock, timer: undefined, stop: new AbortController(),
        polls: 0, consecutiveFailures: 0, lastPollAt: undefined, lastError: undefined, modified: 0, notModified: 0,
      };
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
        state.modified += report.modified;
        state.notModified += report.notModified;
        ctx.reply(report);
      } catch (error) {
        if (state.stop.signal.aborted) return state;
        state.consecutiveFailures++;
        state.lastError = `${errorCodeOf(error)}: ${describeError(error).message}`;
        ctx.log.warn({ err: error, consecutiveFailures: state.consecutiveFailures }, 'github poll failed; retrying after backoff');
        ctx.reply({ error: state.lastError });
      }
      const delay = state.consecutiveFailures === 0 ? deps.intervalMs : Math.min(deps.intervalMs, 30_000 * 2 ** (state.consecutiveFailures - 1));
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'githubPoll' }), delay);
      return state;
    },
    terminate(state) {
      if (state.timer) state.clock.clearTimeout(state.timer);
      state.stop.abort(new Error('github poller stopping'));
    },
    summary: (state) => {
      const limit = state.client.rateLimit();
      return {
        polls: state.polls,
        modified: state.modified,
        notModified: state.notModified,
        rateLimitRemaining: limit.remaining ?? null,
        rateLimitResetAt: limit.resetAt === undefined ? null : new Date(limit.resetAt).toISOString(),
        lastPollAt: state.lastPollAt === undefined ? null : new Date(state.lastPollAt).toISOString(),
        consecutiveFailures: state.consecutiveFailures,
        lastError: state.lastError ?? null,
      };
    },
  };
}
