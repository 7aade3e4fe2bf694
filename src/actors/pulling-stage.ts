import type { StageMessage } from '../protocols/pipeline.js';
import type { TimerHandle } from '../runtime/clock.js';
import { tell, type ActorContext, type Behavior } from '../supervisors/index.js';

/** One stage of the pipeline: it pulls its own jobs from the journal, a batch at a time. */
export interface Stage {
  /** Handles one batch; returns how many items it took (0: nothing to do now). */
  step(): Promise<number>;
  /** Releases what the stage holds (its leases go back to the queue). */
  close?(): void | Promise<void>;
  summary?(): Record<string, unknown>;
}

export interface StageState {
  readonly stage: Stage;
  readonly cancelTimer: (timer: TimerHandle) => void;
  timer: TimerHandle | undefined;
  handled: number;
  batches: number;
}

/**
 * A pipeline stage as an actor. Work lives in the journal, not in the mailbox: a `work` nudge
 * makes it claim a batch, a full batch makes it go on (through its own mailbox, so other
 * messages and a stop are not starved), and when there is nothing to do it looks again after
 * `idleMs`, for work that came without a nudge. Nudges coalesce: one waiting in the mailbox
 * stands for any number, so a producer that nudges per item (a webhook each) keeps the mailbox
 * at one nudge however far behind the stage is; the backlog stays in the journal.
 */
export function pullingStage(open: (ctx: ActorContext<StageMessage>) => Stage | Promise<Stage>, options: { idleMs: number }): Behavior<StageMessage, StageState> {
  return {
    async init(ctx) {
      const stage = await open(ctx);
      tell(ctx.self, { type: 'work' });
      return { stage, cancelTimer: (t) => ctx.clock.clearTimeout(t), timer: undefined, handled: 0, batches: 0 };
    },

    async receive(state, msg, ctx) {
      if (msg.type === 'poll') state.timer = undefined;
      const n = await state.stage.step();
      if (n > 0) {
        state.handled += n;
        state.batches++;
        tell(ctx.self, { type: 'work' });
      } else if (!state.timer) {
        state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'poll' }), options.idleMs);
      }
      return state;
    },

    async terminate(state, _reason) {
      if (state.timer) state.cancelTimer(state.timer);
      await state.stage.close?.();
    },

    summary: (state) => ({ handled: state.handled, batches: state.batches, ...state.stage.summary?.() }),

    // Not `poll`: its handler clears the idle timer, which a dropped one would leave set for good.
    coalesce: (msg) => msg.type === 'work',
  };
}
