import { Type, type Static } from '@sinclair/typebox';
import type { Scheduler } from '../offline/scheduler.js';
import { messageSchema } from '../protocols/message.js';
import type { Behavior } from '../supervisors/index.js';

/** Tick now (new work, a class registered late). */
export const SchedulerWake = messageSchema('schedulerWake', {});
export const OfflineSchedulerMessage = Type.Union([SchedulerWake]);
export type OfflineSchedulerMessage = Static<typeof OfflineSchedulerMessage>;

/**
 * The offline scheduler under the `offline` supervisor: starting the actor starts the scheduler's
 * ticks, stopping it (or a restart) aborts the running steps and waits for them to hand back, so
 * nothing of a step outlives its incarnation. The scheduler's own state (pause flags, cursors)
 * is in SQLite and survives both.
 */
export function offlineSchedulerBehavior(scheduler: Scheduler): Behavior<OfflineSchedulerMessage, Scheduler> {
  return {
    init() {
      scheduler.start();
      return scheduler;
    },
    receive(state) {
      state.wake();
      return state;
    },
    async terminate(state) {
      await state.stop();
    },
    summary(state) {
      const snap = state.snapshot();
      return {
        paused: snap.paused,
        load: snap.load.level,
        ...Object.fromEntries(snap.classes.map((c) => [c.name, `${c.state} ${c.done} done`])),
      };
    },
  };
}
