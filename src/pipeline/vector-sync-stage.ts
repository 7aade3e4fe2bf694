import type { Stage } from '../actors/pulling-stage.js';
import type { VectorSync } from '../storage/vector-sync.js';

/** Vector sync as a stage: drains the outbox into LanceDB, a batch per step. */
export function vectorSyncStage(sync: VectorSync, batchSize: number): Stage {
  let synced = 0;
  return {
    async step() {
      const n = await sync.drainOnce(batchSize);
      synced += n;
      return n;
    },
    summary: () => ({ synced, lag: sync.lag() }),
  };
}
