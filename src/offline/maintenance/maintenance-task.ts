import type { Step } from '../job-class.js';

/** One kind of upkeep the `maintenance` class runs when it is due. */
export interface MaintenanceTask {
  readonly name: string;
  /** How long after finishing it is due again. */
  readonly everyMs: number;
  /**
   * Past this long since it last finished, the task is overdue and runs despite online load (see
   * `JobClass.overdue`); absent: it always waits for room.
   */
  readonly overdueAfterMs?: number;
  /** Does a bounded part of the work; `finished` false means more remains and the task stays due. */
  run(step: Step): Promise<{ readonly finished: boolean; readonly detail?: Record<string, unknown> }>;
}
