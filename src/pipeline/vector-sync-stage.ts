import type { Logger } from 'pino';
import type { Stage } from '../actors/pulling-stage.js';
import { embedderCannotAnswer } from '../embedding/remote-embedder.js';

/** What a vector sync stage drains: paper vectors or chunk vectors. */
export interface OutboxDrainer {
  drainOnce(maxBatch: number): Promise<number>;
  lag(): number;
}

// An embeddings endpoint that is down says so on every try; once a minute in the log is enough.
const WARN_EVERY_MS = 60_000;

/**
 * Vector sync as a stage: drains the outbox into LanceDB, a batch per step. While the embedder
 * cannot answer, the batch stays in the outbox (its cursor does not move) and the stage idles and
 * tries again: a dead endpoint delays vectors, never loses them, and never restarts the stage.
 */
export function vectorSyncStage(sync: OutboxDrainer, batchSize: number, log?: Logger): Stage {
  let synced = 0;
  let waiting: string | undefined;
  let warnedAt = -Infinity;
  return {
    async step() {
      let n: number;
      try {
        n = await sync.drainOnce(batchSize);
      } catch (error) {
        if (!embedderCannotAnswer(error)) throw error;
        waiting = error.message;
        if (Date.now() - warnedAt >= WARN_EVERY_MS) {
          warnedAt = Date.now();
          log?.warn({ err: error, lag: sync.lag() }, 'vector sync waits: the embedder cannot answer now');
        }
        return 0;
      }
      if (waiting !== undefined && n > 0) {
        log?.info({ lag: sync.lag() }, 'vector sync resumed: the embedder answers again');
        waiting = undefined;
        warnedAt = -Infinity;
      }
      synced += n;
      return n;
    },
    summary: () => ({ synced, lag: sync.lag(), ...(waiting ? { waiting } : {}) }),
  };
}
