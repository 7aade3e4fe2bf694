import type { Database } from 'better-sqlite3';
import type { EmbedderProvider } from '../embedding/embedder-provider.js';
import { Type, type Static } from '@sinclair/typebox';
import { messageSchema } from '../protocols/message.js';
import type { TimerHandle } from '../runtime/clock.js';
import { tell, type Behavior } from '../supervisors/index.js';

/** Look whether the corpus has outgrown the embedded model, and refit it if so. */
export const RefitCheck = messageSchema('refitCheck', {});
export const EmbedderRefitMessage = Type.Union([RefitCheck]);
export type EmbedderRefitMessage = Static<typeof EmbedderRefitMessage>;

export interface EmbedderRefitDeps {
  readonly db: Database;
  readonly embedders: EmbedderProvider;
  readonly everyMs: number;
  /** After a refit: wake vector sync, which now has every paper to re-embed. */
  readonly refitted: () => void;
}

interface RefitState {
  timer: TimerHandle | undefined;
  readonly cancel: (t: TimerHandle) => void;
  refits: number;
  lastCheck: number | undefined;
}

/**
 * Keeps the embedded embedder learned from the corpus as it grows: every `everyMs` it asks
 * whether a refit is due (`shouldRefit`) and does it. The fit is CPU work on this thread.
 */
export function embedderRefitBehavior(deps: EmbedderRefitDeps): Behavior<EmbedderRefitMessage, RefitState> {
  return {
    init(ctx) {
      tell(ctx.self, { type: 'refitCheck' });
      return { timer: undefined, cancel: (t) => ctx.clock.clearTimeout(t), refits: 0, lastCheck: undefined };
    },
    async receive(state, _msg, ctx) {
      state.timer = undefined;
      state.lastCheck = ctx.clock.now();
      const outcome = await deps.embedders.refitIfDue(deps.db, ctx.log);
      if (outcome.refitted) {
        state.refits++;
        deps.refitted();
      }
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'refitCheck' }), deps.everyMs);
      return state;
    },
    terminate(state) {
      if (state.timer) state.cancel(state.timer);
    },
    summary: (state) => ({ embedder: deps.embedders.current().name, fittedOn: deps.embedders.fittedOn(), refits: state.refits, lastCheck: state.lastCheck ?? null }),
  };
}
