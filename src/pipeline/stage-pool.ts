import type { Logger } from 'pino';
import { pullingStage, type Stage } from '../actors/pulling-stage.js';
import type { StageMessage } from '../protocols/pipeline.js';
import type { Clock } from '../runtime/clock.js';
import { tell, type ActorContext, type ActorSystem, type ChildSpec, type SpecWithRef } from '../supervisors/index.js';
import { ElasticPool } from './elastic-pool.js';

export interface StagePoolOptions {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly backlogPerWorker: number;
  readonly shrinkAfterMs: number;
  /** Jobs waiting for this stage. */
  readonly depth: () => number;
  readonly idleMs: number;
  readonly shutdownMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly intensity: number;
  readonly periodMs: number;
}

/** A pipeline stage run by one actor or by an elastic pool of them. */
export interface StagePool {
  /** The child for the pipeline supervisor: the worker itself, or the pool's supervisor. */
  readonly spec: ChildSpec;
  /** The pool, when the stage runs as one (`max` > 1). */
  readonly pool: ElasticPool | undefined;
  /** Wakes the workers that work now. */
  nudge(): void;
}

/**
 * Runs a stage as before (one worker, `name`) when `max` is 1, or as a pool: a one_for_one
 * supervisor `name` over `max` workers `name-1…name-max`, each a supervised actor with its own
 * stage (its own lease owner, `suffix`), of which the pool's size work and the rest idle. The
 * pool's size and depth are in each worker's summary (the actor tree) and in `/metrics`.
 */
export function stagePool(system: ActorSystem, o: StagePoolOptions, open: (ctx: ActorContext<StageMessage>, suffix: string) => Stage | Promise<Stage>): StagePool {
  if (o.max <= 1) {
    const worker: SpecWithRef<StageMessage> = system.worker(o.name, pullingStage((ctx) => open(ctx, ''), { idleMs: o.idleMs }), { shutdownMs: o.shutdownMs });
    return { spec: worker, pool: undefined, nudge: () => tell(worker.ref, { type: 'work' }) };
  }
  const pool = new ElasticPool({ name: o.name, min: o.min, max: o.max, depth: o.depth, backlogPerWorker: o.backlogPerWorker, shrinkAfterMs: o.shrinkAfterMs, clock: o.clock });
  const workers = Array.from({ length: o.max }, (_, i) =>
    system.worker(
      `${o.name}-${i + 1}`,
      pullingStage(async (ctx) => {
        const stage = await open(ctx, `:${i + 1}`);
        return {
          // A worker let go finishes the batch it holds; its next step takes nothing.
          step: () => (pool.admit(i) ? stage.step() : Promise.resolve(0)),
          close: () => stage.close?.(),
          // The tree shows the pool on each worker: whether this one works, and the pool's size and depth.
          summary: () => ({ ...stage.summary?.(), working: i < pool.size, pool: `${pool.size} of ${o.min}–${o.max}, depth ${pool.depth}` }),
        };
      }, { idleMs: o.idleMs }),
      { shutdownMs: o.shutdownMs },
    ),
  );
  const nudge = () => {
    for (let i = 0; i < pool.size; i++) tell(workers[i]!.ref, { type: 'work' });
  };
  pool.onResize((r) => {
    o.log.info({ pool: r.pool, from: r.from, to: r.to, depth: r.depth }, `pool ${r.pool}: ${r.to > r.from ? 'grows' : 'shrinks'} to ${r.to}`);
    if (r.to > r.from) nudge();
  });
  const supervisor = system.supervisor(o.name, workers, { strategy: 'one_for_one', intensity: o.intensity, periodMs: o.periodMs });
  return { spec: supervisor, pool, nudge };
}
