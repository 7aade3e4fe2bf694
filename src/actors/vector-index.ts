import { Type, type Static } from '@sinclair/typebox';
import { messageSchema } from '../protocols/message.js';
import type { TimerHandle } from '../runtime/clock.js';
import type { IndexReport, VectorStore } from '../storage/lancedb/vector-store.js';
import { tell, type Behavior } from '../supervisors/index.js';

/** Check the vector tables' indexes now. */
export const IndexCheck = messageSchema('indexCheck', {});
export const VectorIndexMessage = Type.Union([IndexCheck]);
export type VectorIndexMessage = Static<typeof VectorIndexMessage>;

export interface VectorIndexDeps {
  /** The tables to keep indexed, by name. */
  readonly tables: Readonly<Record<string, VectorStore>>;
  readonly everyMs: number;
}

interface VectorIndexState {
  timer: TimerHandle | undefined;
  readonly cancel: (t: TimerHandle) => void;
  readonly last: Record<string, IndexReport>;
}

/**
 * Keeps the vector tables searchable fast as they grow: every `everyMs` each table's index is
 * built, updated with new rows, retrained or compacted as `VectorStore.maintainIndex` decides. The
 * work runs in LanceDB's native threads; this actor only waits for it, one table at a time.
 */
export function vectorIndexBehavior(deps: VectorIndexDeps): Behavior<VectorIndexMessage, VectorIndexState> {
  return {
    init(ctx) {
      tell(ctx.self, { type: 'indexCheck' });
      return { timer: undefined, cancel: (t) => ctx.clock.clearTimeout(t), last: {} };
    },
    async receive(state, _msg, ctx) {
      state.timer = undefined;
      for (const [name, table] of Object.entries(deps.tables)) {
        const report = await table.maintainIndex();
        state.last[name] = report;
        // A compaction of small fragments also folds the unindexed rows in: the index is rewritten as by an update.
        const change = report.plan !== 'none' ? report.plan : report.tookInNewRows ? 'compact' : undefined;
        if (change) ctx.log.info({ table: name, ...report }, `vector index: ${change}`);
      }
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'indexCheck' }), deps.everyMs);
      return state;
    },
    terminate(state) {
      if (state.timer) state.cancel(state.timer);
    },
    summary: (state) => ({ ...state.last }),
  };
}
