import type { Database } from 'better-sqlite3';
import type { EmbedderProvider, RefitOutcome } from '../embedding/embedder-provider.js';
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
  /** Stops the fit in progress, if any. */
  readonly fit: AbortController;
}

/**
 * Keeps the embedded embedder learned from the corpus as it grows: every `everyMs` it asks
 * whether a refit is due (`shouldRefit`) and does it. The fit runs in a worker thread, so the
 * node answers meanwhile; stopping the actor terminates a fit still running when its handler is
 * given up on (after `shutdownMs`), and a fit stopped so (or by the provider closing) ends the
 * check quietly.
 */
export function embedderRefitBehavior(deps: EmbedderRefitDeps): Behavior<EmbedderRefitMessage, RefitState> {
  return {
    init(ctx) {
      tell(ctx.self, { type: 'refitCheck' });
      return { timer: undefined, cancel: (t) => ctx.clock.clearTimeout(t), refits: 0, lastCheck: undefined, fit: new AbortController() };
    },
    async receive(state, _msg, ctx) {
      state.timer = undefined;
      state.lastCheck = ctx.clock.now();
      let outcome: RefitOutcome;
      try {
        outcome = await deps.embedders.refitIfDue(deps.db, ctx.log, { signal: state.fit.signal });
      } catch (error) {
        // Stopped (this actor, or the provider closing): the node is going down, not failing.
        if ((error as Error | undefined)?.name !== 'AbortError') throw error;
        ctx.log.info({ err: error }, 'embedded model refit stopped');
        return state;
      }
      if (outcome.refitted) {
        state.refits++;
        deps.refitted();
      }
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'refitCheck' }), deps.everyMs);
      return state;
    },
    terminate(state) {
      if (state.timer) state.cancel(state.timer);
      state.fit.abort();
    },
    summary: (state) => ({ embedder: deps.embedders.current().name, fittedOn: deps.embedders.fittedOn(), refits: state.refits, lastCheck: state.lastCheck ?? null }),
  };
}
