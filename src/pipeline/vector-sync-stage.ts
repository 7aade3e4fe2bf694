import type { Logger } from 'pino';
import type { Stage } from '../actors/pulling-stage.js';
import { embedderCannotAnswer } from '../embedding/remote-embedder.js';
import type { Clock } from '../runtime/clock.js';

/** What a vector sync stage drains: paper vectors or chunk vectors. */
export interface OutboxDrainer {
  drainOnce(maxBatch: number): Promise<number>;
  lag(): number;
}

// An embeddings endpoint that is down says so on every try; once a minute in the log is enough.
const WARN_EVERY_MS = 60_000;

/**
 * How long rows fewer than a batch wait for more before they are written. Each write leaves a
 * LanceDB fragment, and past 64 of them upkeep compacts, which rewrites the whole vector index:
 * drained as the indexer committed them, an import of 20,000 papers wrote 217 fragments of about
 * 90 rows (bench/search), and so three index rewrites beside the ones its rows called for.
 */
export const GATHER_MS = 1_000;

export interface VectorSyncStageOptions {
  readonly clock: Clock;
  readonly log?: Logger;
  /** Default `GATHER_MS`; 0 writes whatever is pending at once. */
  readonly gatherMs?: number;
}

/**
 * Vector sync as a stage: drains the outbox into LanceDB, a batch per step. Fewer rows than a
 * batch wait up to `gatherMs` from when the stage first saw them, for more to join them; the
 * stage's idle poll, or the indexer's next nudge, writes them after that. While the embedder
 * cannot answer, the batch stays in the outbox (its cursor does not move) and the stage idles and
 * tries again: a dead endpoint delays vectors, never loses them, and never restarts the stage.
 */
export function vectorSyncStage(sync: OutboxDrainer, batchSize: number, options: VectorSyncStageOptions): Stage {
  const { clock, log } = options;
  const gatherMs = options.gatherMs ?? GATHER_MS;
  let synced = 0;
  let waiting: string | undefined;
  let warnedAt = -Infinity;
  /** When the stage first saw the rows pending now, while fewer than a batch. */
  let gatheringSince: number | undefined;
  return {
    async step() {
      const lag = sync.lag();
      if (lag === 0) {
        gatheringSince = undefined;
        return 0;
      }
      if (lag < batchSize) {
        gatheringSince ??= clock.now();
        if (clock.now() - gatheringSince < gatherMs) return 0;
      }
      gatheringSince = undefined;
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
