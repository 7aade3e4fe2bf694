import { Type, type Static } from '@sinclair/typebox';
import type { LlmRouter } from '../inference/router.js';
import { JOB, type EnrichPayload } from '../pipeline/job-kinds.js';
import { messageSchema } from '../protocols/message.js';
import type { TimerHandle } from '../runtime/clock.js';
import type { EnrichmentStore } from '../storage/sqlite/enrichments.js';
import { JOB_PRIORITY, type Journal } from '../storage/sqlite/journal.js';
import { tell, type Behavior } from '../supervisors/index.js';

/** Look for papers the fallback enriched, and queue them for the LLM if one is up. */
export const RedoCheck = messageSchema('redoCheck', {});
export const EnrichmentRedoMessage = Type.Union([RedoCheck]);
export type EnrichmentRedoMessage = Static<typeof EnrichmentRedoMessage>;

export interface EnrichmentRedoDeps {
  readonly journal: Journal;
  readonly enrichments: EnrichmentStore;
  readonly router: LlmRouter;
  readonly everyMs: number;
  /** Papers queued a check, at most. */
  readonly batch: number;
  /** After queueing: wake the enricher. */
  readonly queued: () => void;
}

interface RedoState {
  timer: TimerHandle | undefined;
  readonly cancel: (t: TimerHandle) => void;
  queued: number;
  lastCheck: number | undefined;
}

/**
 * The offline half of enrichment: papers the embedded fallback answered for (no LLM was up, or
 * its answer was rejected) go back to the enricher once a chat endpoint is up again, at the
 * journal's offline priority so new papers go first. A paper is queued at most once a day, so one
 * whose answers keep failing validation does not take every slot.
 */
export function enrichmentRedoBehavior(deps: EnrichmentRedoDeps): Behavior<EnrichmentRedoMessage, RedoState> {
  return {
    init(ctx) {
      const state: RedoState = { timer: undefined, cancel: (t) => ctx.clock.clearTimeout(t), queued: 0, lastCheck: undefined };
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'redoCheck' }), deps.everyMs);
      return state;
    },
    receive(state, _msg, ctx) {
      state.timer = undefined;
      state.lastCheck = ctx.clock.now();
      const chatUp = deps.router.snapshot().endpoints.some((e) => e.state === 'up' && e.roles.includes('chat'));
      if (chatUp) {
        const day = new Date(ctx.clock.now()).toISOString().slice(0, 10);
        const jobs = deps.enrichments.listNeedingRedo(deps.batch).map((r) => ({
          kind: JOB.enrich,
          dedupKey: `enrich-redo:${r.paperId}v${r.version}:${day}`,
          payload: { id: r.paperId, version: r.version } satisfies EnrichPayload,
          priority: JOB_PRIORITY.offline,
        }));
        const created = deps.journal.acceptMany(jobs).filter((r) => r.created).length;
        if (created > 0) {
          state.queued += created;
          ctx.log.info({ papers: created }, 'papers enriched by the fallback queued for the LLM again');
          deps.queued();
        }
      }
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'redoCheck' }), deps.everyMs);
      return state;
    },
    terminate(state) {
      if (state.timer) state.cancel(state.timer);
    },
    summary: (state) => ({ queued: state.queued, lastCheck: state.lastCheck ?? null }),
  };
}
