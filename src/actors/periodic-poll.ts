import { describeError, errorCodeOf } from '../errors.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { tell, type ActorContext, type Behavior } from '../supervisors/index.js';

/** What one source's poller does; `periodicPollBehavior` supplies the schedule around it. */
export interface PollSource<R> {
  poll(signal: AbortSignal): Promise<R>;
  /** Counts a finished poll's report into the summary. */
  tally(report: R): void;
  summary(): Record<string, unknown>;
}

export interface PollState<R> {
  readonly source: PollSource<R>;
  readonly clock: Clock;
  timer: TimerHandle | undefined;
  readonly stop: AbortController;
  polls: number;
  consecutiveFailures: number;
  lastPollAt: number | undefined;
  lastError: string | undefined;
}

/** The one message a poller takes: poll now. */
export interface PollMessage<T extends string> {
  readonly type: T;
}

/** An `ask` with the poll message gets the poll's report, or the error that ended it. */
export type PollReplies<T extends string, R> = { [K in T]: R | { readonly error: string } };

// The first retry after a failed poll; it doubles with each failure, up to the interval.
const FIRST_RETRY_MS = 30_000;

/**
 * A poller as an actor: polls at start, every `intervalMs` after, and whenever it is sent
 * `{type: message}`. A failed poll is logged and retried sooner, with a backoff capped at the
 * interval, rather than crashing; stopping aborts a poll in flight.
 */
export function periodicPollBehavior<T extends string, R>(options: {
  readonly message: T;
  /** Names the source in logs. */
  readonly label: string;
  readonly intervalMs: number;
  readonly open: (ctx: ActorContext<PollMessage<T>, PollReplies<T, R>>) => PollSource<R>;
}): Behavior<PollMessage<T>, PollState<R>, PollReplies<T, R>> {
  const { message, label, intervalMs } = options;
  return {
    init(ctx) {
      tell(ctx.self, { type: message } as PollMessage<T>);
      return { source: options.open(ctx), clock: ctx.clock, timer: undefined, stop: new AbortController(), polls: 0, consecutiveFailures: 0, lastPollAt: undefined, lastError: undefined };
    },
    async receive(state, _msg, ctx) {
      if (state.timer) ctx.clock.clearTimeout(state.timer);
      state.timer = undefined;
      state.lastPollAt = ctx.clock.now();
      state.polls++;
      try {
        const report = await state.source.poll(state.stop.signal);
        state.consecutiveFailures = 0;
        state.lastError = undefined;
        state.source.tally(report);
        ctx.reply(report);
      } catch (error) {
        // Stopping is not the source failing: no new timer.
        if (state.stop.signal.aborted) return state;
        state.consecutiveFailures++;
        state.lastError = `${errorCodeOf(error)}: ${describeError(error).message}`;
        ctx.log.warn({ err: error, consecutiveFailures: state.consecutiveFailures }, `${label} poll failed; retrying after backoff`);
        ctx.reply({ error: state.lastError });
      }
      const delay = state.consecutiveFailures === 0 ? intervalMs : Math.min(intervalMs, FIRST_RETRY_MS * 2 ** (state.consecutiveFailures - 1));
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: message } as PollMessage<T>), delay);
      return state;
    },
    terminate(state) {
      if (state.timer) state.clock.clearTimeout(state.timer);
      state.stop.abort(new Error(`${label} poller stopping`));
    },
    summary: (state) => ({
      polls: state.polls,
      ...state.source.summary(),
      lastPollAt: state.lastPollAt === undefined ? null : new Date(state.lastPollAt).toISOString(),
      consecutiveFailures: state.consecutiveFailures,
      lastError: state.lastError ?? null,
    }),
  };
}
