import { describeError, errorCodeOf } from '../errors.js';
import { assertNever } from '../protocols/message.js';
import type { ArxivPollerMessage, ArxivPollerReplies, ArxivPollReport } from '../protocols/arxiv-poller.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { ArxivPoller, type ArxivPollerOptions, type NextPoll, type PollOutcome } from '../sources/arxiv/poller.js';
import { tell, type ActorContext, type Behavior } from '../supervisors/index.js';

export interface ArxivPollerDeps extends Omit<ArxivPollerOptions, 'logger'> {
  /** Poll once when the actor starts (and restarts), then follow the schedule. Default true. */
  readonly pollOnStart?: boolean;
}

/** What an incarnation holds that outlives one handler: its timer and the poll in flight. */
interface PollerRuntime {
  readonly clock: Clock;
  timer: TimerHandle | undefined;
  /** The seq of the armed timer; a tick with another seq is stale. */
  seq: number;
  inFlight: AbortController | undefined;
}

/** The arXiv poller actor's state. */
export interface ArxivPollerState {
  readonly poller: ArxivPoller;
  readonly runtime: PollerRuntime;
  readonly next: NextPoll | undefined;
  readonly lastPollAt: number | undefined;
  readonly lastOutcome: PollOutcome['type'] | 'failed' | undefined;
  /** The last announcement fully ingested, as checkpointed (read at each poll, not at each summary). */
  readonly lastAnnouncementMs: number | undefined;
  readonly polls: number;
  readonly entriesAccepted: number;
  readonly duplicates: number;
  readonly consecutiveFailures: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | undefined;
}

type Ctx = ActorContext<ArxivPollerMessage, ArxivPollerReplies>;

/**
 * The arXiv poller as an actor: at each time `nextPollTime` gives (and on `poll`), it runs one
 * `ArxivPoller.poll`, then arms its next tick on the injected clock. A failed poll is logged and
 * retried after a growing backoff instead of crashing: the checkpoint is only written by a poll
 * that completed, so nothing is lost, and a restart would only repeat the same request sooner.
 */
export function arxivPollerBehavior(deps: ArxivPollerDeps): Behavior<ArxivPollerMessage, ArxivPollerState, ArxivPollerReplies> {
  return {
    init(ctx) {
      const poller = new ArxivPoller({ ...deps, logger: ctx.log });
      const state: ArxivPollerState = {
        poller,
        runtime: { clock: ctx.clock, timer: undefined, seq: 0, inFlight: undefined },
        next: undefined,
        lastPollAt: undefined,
        lastOutcome: undefined,
        lastAnnouncementMs: poller.lastIngested()?.announcementMs,
        polls: 0,
        entriesAccepted: 0,
        duplicates: 0,
        consecutiveFailures: 0,
        lastError: undefined,
      };
      if (deps.pollOnStart ?? true) {
        tell(ctx.self, { type: 'poll' });
        return state;
      }
      return schedule(state, ctx);
    },

    async receive(state, msg, ctx) {
      switch (msg.type) {
        case 'poll':
          return runPoll(state, ctx);
        case 'tick':
          return msg.seq === state.runtime.seq ? runPoll(state, ctx) : state;
        default:
          return assertNever(msg);
      }
    },

    terminate(state) {
      disarm(state.runtime);
      state.runtime.inFlight?.abort(new Error('arxiv poller stopping'));
    },

    summary(state) {
      const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
      return {
        categories: state.poller.categories.join(' '),
        lastPollAt: iso(state.lastPollAt),
        lastOutcome: state.lastOutcome,
        lastAnnouncement: iso(state.lastAnnouncementMs),
        nextPollAt: iso(state.next?.at),
        nextPollReason: state.next?.reason,
        polls: state.polls,
        entriesAccepted: state.entriesAccepted,
        duplicates: state.duplicates,
        consecutiveFailures: state.consecutiveFailures,
        lastError: state.lastError && `${state.lastError.code}: ${state.lastError.message}`,
      };
    },
  };
}

async function runPoll(state: ArxivPollerState, ctx: Ctx): Promise<ArxivPollerState> {
  disarm(state.runtime);
  const startedAt = ctx.clock.now();
  const controller = new AbortController();
  state.runtime.inFlight = controller;
  let next: ArxivPollerState;
  let report: Omit<ArxivPollReport, 'nextPollAt'>;
  try {
    const outcome = await state.poller.poll(startedAt, controller.signal);
    const accepted = outcome.type === 'ingested' ? outcome.accepted : 0;
    const duplicates = outcome.type === 'ingested' ? outcome.duplicates : 0;
    next = {
      ...state,
      lastPollAt: startedAt,
      lastOutcome: outcome.type,
      lastAnnouncementMs: state.poller.lastIngested()?.announcementMs,
      polls: state.polls + 1,
      entriesAccepted: state.entriesAccepted + accepted,
      duplicates: state.duplicates + duplicates,
      consecutiveFailures: 0,
    };
    report = { outcome: outcome.type, announcement: new Date(outcome.announcementMs).toISOString(), accepted, duplicates };
  } catch (error) {
    // Being stopped is not arXiv failing: no backoff, no new timer; the next incarnation polls at its start.
    if (controller.signal.aborted) return state;
    const { message } = describeError(error);
    const code = errorCodeOf(error);
    ctx.log.warn({ err: error, consecutiveFailures: state.consecutiveFailures + 1 }, 'arxiv poll failed; retrying after backoff');
    next = {
      ...state,
      lastPollAt: startedAt,
      lastOutcome: 'failed',
      polls: state.polls + 1,
      consecutiveFailures: state.consecutiveFailures + 1,
      lastError: { code, message, at: startedAt },
    };
    report = { outcome: 'failed', accepted: 0, duplicates: 0, error: `${code}: ${message}` };
  } finally {
    state.runtime.inFlight = undefined;
  }
  const scheduled = schedule(next, ctx);
  ctx.reply({ ...report, nextPollAt: new Date(scheduled.next!.at).toISOString() });
  return scheduled;
}

/** Arms the tick for the next poll the poller plans from now. */
function schedule(state: ArxivPollerState, ctx: Ctx): ArxivPollerState {
  const now = ctx.clock.now();
  const next = state.poller.nextPoll(now, state.consecutiveFailures);
  const seq = state.runtime.seq + 1;
  state.runtime.seq = seq;
  state.runtime.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'tick', seq }), Math.max(0, next.at - now));
  return { ...state, next };
}

function disarm(runtime: PollerRuntime): void {
  if (runtime.timer !== undefined) runtime.clock.clearTimeout(runtime.timer);
  runtime.timer = undefined;
}
