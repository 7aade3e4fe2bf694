import type { Database } from 'better-sqlite3';
import type { EmbedderProvider } from '../../embedding/embedder-provider.js';
import type { JobClass, Step, StepOutcome } from '../job-class.js';

/**
 * Refitting the embedded model (and so re-embedding every paper) as an offline class: every
 * `everyMs` it asks whether the corpus has outgrown the model and refits it if so. The fit runs
 * in a worker thread and is aborted when the scheduler takes the slot back; it starts again at
 * the next chance. After a refit vector sync re-embeds every paper through the outbox, at the
 * pipeline's pace. Units are refits.
 */
export function refitClass(deps: { db: Database; embedders: EmbedderProvider; everyMs: number; now: () => number; refitted: () => void; priority?: number }): JobClass {
  let lastCheck = Number.NEGATIVE_INFINITY;
  return {
    name: 'refit',
    priority: deps.priority ?? 25,
    pending: () => (deps.now() - lastCheck >= deps.everyMs ? { queued: 1, remaining: null } : { queued: 0, remaining: 0 }),
    async run(step: Step): Promise<StepOutcome> {
      if (deps.now() - lastCheck < deps.everyMs) return { done: 0, more: false };
      try {
        const outcome = await deps.embedders.refitIfDue(deps.db, step.log, { signal: step.signal });
        lastCheck = deps.now();
        if (outcome.refitted) deps.refitted();
        return { done: outcome.refitted ? 1 : 0, more: false };
      } catch (error) {
        if (step.signal.aborted || (error as Error | undefined)?.name === 'AbortError') return { done: 0, more: true };
        lastCheck = deps.now();
        throw error;
      }
    },
  };
}
