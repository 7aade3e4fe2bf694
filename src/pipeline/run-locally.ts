import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { openLocalRuntime, type LocalRuntime } from '../node/local-runtime.js';
import { buildTree, noParts } from '../node/tree.js';
import type { Ingestion } from './ingestion.js';

export interface LocalWork {
  readonly runtime: LocalRuntime;
  readonly ingestion: Ingestion;
}

export interface LocalRun<T, R> {
  /** Journals entries (reading files, harvesting). */
  readonly work: (ctx: LocalWork) => Promise<T>;
  /** Once everything accepted is in both stores, before the stores close: what to report. */
  readonly summarize: (ctx: LocalWork, worked: T) => R;
  /** Hears the pipeline depth while the run waits for it to drain. */
  readonly onDrain?: (depth: number) => void;
  /** Refit the embedded model at the end if the corpus outgrew it (default true). */
  readonly refit?: boolean;
}

/**
 * Runs work that journals entries against a data dir no node owns: takes the dir, starts the
 * ingestion actors in this process, and after the work waits until every entry accepted is in
 * both stores.
 */
export async function runLocally<T, R>(config: Config, log: Logger, role: string, run: LocalRun<T, R>): Promise<R> {
  const runtime = await openLocalRuntime(config, log, role);
  const ingestion = runtime.ingestion!;
  let fatal: unknown;
  // LanceDB's native calls and our unref'd timers do not hold the event loop open: without this a
  // CLI run could exit mid-work, with nothing left but them to wait for.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    await runtime.system.start(buildTree(runtime.system, config, { ...noParts, storage: ingestion.storageChildren, pipeline: ingestion.pipelineChildren }), (error) => (fatal = error));
    // Work journaled by an interrupted run is picked up even if this run adds nothing.
    ingestion.nudge();
    const ctx = { runtime, ingestion };
    const worked = await run.work(ctx);
    const drain = async () => {
      for (;;) {
        if (fatal) throw fatal;
        const depth = ingestion.depth();
        run.onDrain?.(depth);
        if (depth === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await drain();
    // A corpus that has outgrown its embedded model gets a new one before the run ends, and
    // every vector is remade with it.
    const refit = run.refit === false || config.embeddings.model ? { refitted: false } : await runtime.store.embedders.refitIfDue(runtime.store.db, log);
    if (refit.refitted) {
      ingestion.nudge();
      await drain();
    }
    return run.summarize(ctx, worked);
  } finally {
    clearInterval(keepAlive);
    await runtime.system.shutdown();
    await runtime.close();
  }
}
