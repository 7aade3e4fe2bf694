import type { Logger } from 'pino';

/**
 * What one offline job class is: a kind of batch work (backfill, OCR, re-embedding, graph
 * recomputation, maintenance, quality checks) that the scheduler runs in bounded steps, only when
 * online work leaves room for it. Register one with `scheduler.register(jobClass)`.
 */
export interface JobClass {
  /** Unique, lower-case: `backfill`, `maintenance`, `graph`. */
  readonly name: string;
  /** Lower runs first when several classes may run. Online work always comes before any of them. */
  readonly priority: number;
  /** Off-peak window in which the class runs even while online load is moderate; absent: only when load is low. */
  readonly window?: WindowSpec;
  readonly quota?: ClassQuota;
  /**
   * Work known to be waiting, in the class's own units (records, papers, tasks); cheap, called
   * every tick. `remaining` (units still to do, when known) gives the ETA.
   */
  pending(): { readonly queued: number; readonly remaining?: number | null };
  /**
   * One bounded step: do work until `step.mayContinue()` says no (or the work runs out), then
   * return. `step.signal` aborts when the scheduler takes the slot back (pause, online load): stop
   * at once, keeping what is committed, and return what was finished (a step that throws instead
   * has its units left uncounted). Whatever the next step needs to resume goes in
   * `step.cursor`, persisted in SQLite.
   */
  run(step: Step): Promise<StepOutcome>;
  /**
   * Work that must not wait any longer for a quiet moment (LanceDB compaction starved by a steady
   * import: every search then opens every small fragment): the reason, or undefined. While it
   * says so, the class runs despite online load (never despite a pause), its steps marked
   * `overdueOnly`, so they do the overdue part and return.
   */
  overdue?(): string | undefined;
}

/** An off-peak window: opens at each time `cron` matches, in `timezone`, for `minutes`. */
export interface WindowSpec {
  /** Five-field cron (croner), e.g. `0 1 * * *` for 01:00. */
  readonly cron: string;
  readonly minutes: number;
  /** IANA name, e.g. `Europe/Paris`; the node's zone when absent. */
  readonly timezone?: string;
}

/** Limits of one class. */
export interface ClassQuota {
  /** Steps of this class at once (default 1). */
  readonly concurrency?: number;
  /**
   * Share of wall time the class may run, in (0, 1] (default 1): after a step of d ms it rests
   * d·(1/share − 1) ms, so a 0.25 share runs at most a quarter of the time.
   */
  readonly cpuShare?: number;
  /** Requests per hour the class may send to each LLM endpoint, by endpoint name. */
  readonly llmRequestsPerHour?: Readonly<Record<string, number>>;
}

/** What a running step gets from the scheduler. */
export interface Step {
  readonly signal: AbortSignal;
  /** Epoch ms after which the step should return. */
  readonly deadline: number;
  /** False once the step should end: its deadline passed, it was paused, or online load rose. Ask between units. */
  mayContinue(): boolean;
  readonly cursor: StepCursor;
  /** Takes one request from the class's hourly budget for that endpoint; false when it is spent. */
  takeLlmRequest(endpoint: string): boolean;
  readonly log: Logger;
  /** The step runs only because the class said it was overdue, while online load would hold it: do only what is overdue. */
  readonly overdueOnly?: boolean;
}

/** The class's resumable position, a JSON value in SQLite (`offline_classes.cursor`). */
export interface StepCursor {
  get<T>(): T | undefined;
  /** Durable when it returns. */
  set(value: unknown): void;
}

/** What a step did. */
export interface StepOutcome {
  /** Units finished in this step (counted in `done`, the rate and the ETA). */
  readonly done: number;
  /** Units that failed for good in this step. */
  readonly failed?: number;
  /** More work is waiting now: the scheduler runs the next step as soon as it may. */
  readonly more: boolean;
}
