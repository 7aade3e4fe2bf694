import type { Stage } from '../actors/pulling-stage.js';
/** What a vector sync stage drains: paper vectors or chunk vectors. */
export interface OutboxDrainer {
  drainOnce(maxBatch: number): Promise<number>;
  lag(): number;
}

/** Vector sync as a stage: drains the outbox into LanceDB, a batch per step. */
export function vectorSyncStage(sync: OutboxDrainer, batchSize: number): Stage {
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
