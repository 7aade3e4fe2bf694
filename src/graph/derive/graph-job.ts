import type { Database } from 'better-sqlite3';
import type { JobClass, Step, StepOutcome } from '../../offline/job-class.js';
import type { Clock } from '../../runtime/clock.js';
import type { VectorStore } from '../../storage/lancedb/vector-store.js';
import { recomputeCentralityInWorker } from './centrality-in-worker.js';
import { coAuthorshipStep } from './co-authorship.js';
import { relatedPapersStep } from './related-papers.js';

/** The phases of one recomputation pass, in order. */
const PHASES = ['co_author', 'related', 'centrality'] as const;
type Phase = (typeof PHASES)[number];

/** Where a pass is: its phase and the last entity done in it; or, between passes, when the last one completed. */
type GraphCursor = { readonly phase: Phase; readonly after?: string; readonly startedAt: number } | { readonly phase: 'idle'; readonly completedAt: number };

export interface GraphRecomputeOptions {
  readonly db: Database;
  readonly vectors: VectorStore;
  /** The SQLite file, for the centrality worker's own connection. */
  readonly databaseFile: string;
  readonly clock: Clock;
  /** A pass starts this long after the last one completed. */
  readonly everyMs: number;
  /** Entities per transaction in the co-authorship and related-papers phases. */
  readonly batch?: number;
  readonly priority?: number;
}

/**
 * The offline `graph` class: recomputes what the graph derives rather than is told. A pass goes
 * through co-authorship (from `authored` edges), related papers (from vector neighbours) and
 * PageRank centrality (read by search ranking), in bounded steps that stop whenever the scheduler
 * says so and resume from the cursor, also after a restart. The centrality phase is one run in a
 * worker thread; taken back, it is run again from the start of that phase.
 */
export function graphRecomputeClass(options: GraphRecomputeOptions): JobClass {
  const batch = options.batch ?? 200;
  // Known after the first step has read the durable cursor; until then the class says it has work.
  let known: GraphCursor | undefined;
  const due = (c: GraphCursor | undefined) => !c || c.phase !== 'idle' || options.clock.now() - c.completedAt >= options.everyMs;
  return {
    name: 'graph',
    priority: options.priority ?? 30,
    pending: () => ({ queued: due(known) ? 1 : 0, remaining: null }),
    async run(step: Step): Promise<StepOutcome> {
      let cursor: GraphCursor = step.cursor.get<GraphCursor>() ?? { phase: 'idle', completedAt: 0 };
      known = cursor;
      if (!due(cursor)) return { done: 0, more: false };
      if (cursor.phase === 'idle') cursor = { phase: PHASES[0], startedAt: options.clock.now() };
      let done = 0;
      while (cursor.phase !== 'idle' && step.mayContinue()) {
        const phase: Phase = cursor.phase;
        const startedAt: number = cursor.startedAt;
        const now = options.clock.now();
        let next: string | undefined;
        if (phase === 'co_author') next = coAuthorshipStep(options.db, cursor.after, batch, now).cursor;
        else if (phase === 'related') next = (await relatedPapersStep(options.db, options.vectors, cursor.after, batch, now)).cursor;
        else {
          try {
            await recomputeCentralityInWorker(options.databaseFile, now, step.signal);
          } catch (error) {
            if (step.signal.aborted) break;
            throw error;
          }
        }
        done++;
        const following: Phase | undefined = PHASES[PHASES.indexOf(phase) + 1];
        cursor = next !== undefined ? { phase, after: next, startedAt } : following ? { phase: following, startedAt } : { phase: 'idle', completedAt: options.clock.now() };
        step.cursor.set(cursor);
        known = cursor;
      }
      return { done, more: cursor.phase !== 'idle' };
    },
  };
}
