import type { JobClass, Step, StepOutcome, WindowSpec } from '../job-class.js';
import type { MaintenanceTask } from './maintenance-task.js';

/** The class's cursor: when each task last finished (epoch ms). */
interface MaintenanceCursor {
  readonly last: Record<string, number>;
}

/**
 * Database and index upkeep as one offline class: each task is due `everyMs` after it last
 * finished (the times are the class's cursor, in SQLite, so a restart does not rerun them all);
 * a step runs due tasks in order, each in bounded pieces, while the scheduler lets it. Units are
 * finished tasks. A task with `overdueAfterMs` that has waited that long makes the class overdue:
 * the scheduler then runs that task alone, online load or not.
 */
export function maintenanceClass(tasks: readonly MaintenanceTask[], options: { now: () => number; priority?: number; window?: WindowSpec; lastOf: () => MaintenanceCursor | undefined }): JobClass {
  const due = (last: Record<string, number>) => tasks.filter((t) => options.now() - (last[t.name] ?? 0) >= t.everyMs);
  const overdue = (last: Record<string, number>) => tasks.filter((t) => t.overdueAfterMs !== undefined && options.now() - (last[t.name] ?? 0) >= t.overdueAfterMs);
  return {
    name: 'maintenance',
    priority: options.priority ?? 10,
    ...(options.window ? { window: options.window } : {}),
    pending() {
      const n = due(options.lastOf()?.last ?? {}).length;
      return { queued: n, remaining: n };
    },
    overdue() {
      const late = overdue(options.lastOf()?.last ?? {});
      return late.length === 0 ? undefined : `${late.map((t) => t.name).join(', ')} not done for ${late.map((t) => `${Math.round(t.overdueAfterMs! / 1000)} s`).join(', ')}`;
    },
    async run(step: Step): Promise<StepOutcome> {
      const last = { ...(step.cursor.get<MaintenanceCursor>()?.last ?? {}) };
      let done = 0;
      for (const task of step.overdueOnly ? overdue(last) : due(last)) {
        if (!step.mayContinue()) break;
        const t0 = options.now();
        const result = await task.run(step);
        if (!result.finished) break;
        last[task.name] = options.now();
        step.cursor.set({ last } satisfies MaintenanceCursor);
        step.log.info({ task: task.name, ms: options.now() - t0, ...result.detail }, 'maintenance task done');
        done++;
      }
      return { done, more: due(last).length > 0 };
    },
  };
}
