import { LlmCancelledError, LlmDeadlineError, type LlmAttemptRecord } from '../errors.js';
import type { Clock, Random, TimerHandle } from '../runtime/clock.js';
import { AttemptAbort, type AttemptFailure } from './failure.js';
import type { Priority } from './priority-gate.js';

/**
 * One request to the router, across all its attempts: its deadline (a timer that aborts
 * everything it started), the caller's signal, and the record of what each endpoint did.
 */
export class Call {
  readonly startedAt: number;
  readonly deadlineAt: number;
  readonly records: LlmAttemptRecord[] = [];
  readonly tried = new Set<string>();
  /** Endpoints this call will not go back to: their line was full, or they turned it away. */
  readonly excluded = new Set<string>();
  attempts = 0;
  private readonly controller = new AbortController();
  private readonly timer: TimerHandle;
  private readonly detach: () => void;

  constructor(
    readonly what: string,
    readonly priority: Priority,
    readonly deadlineMs: number,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly jitterMs: number,
    callerSignal?: AbortSignal,
  ) {
    this.startedAt = clock.now();
    this.deadlineAt = this.startedAt + deadlineMs;
    this.timer = clock.setTimeout(() => this.controller.abort(new AttemptAbort('deadline', deadlineMs)), deadlineMs);
    const onCancel = () => this.controller.abort(new AttemptAbort('cancelled', 0));
    if (callerSignal?.aborted) onCancel();
    callerSignal?.addEventListener('abort', onCancel, { once: true });
    this.detach = () => callerSignal?.removeEventListener('abort', onCancel);
  }

  /** Aborts on the deadline or when the caller cancels; its reason is an AttemptAbort. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The error to throw once the signal has ended the call. */
  abortError(): LlmDeadlineError | LlmCancelledError {
    const reason = this.controller.signal.reason as AttemptAbort | undefined;
    return reason?.kind === 'cancelled' ? new LlmCancelledError(this.what) : new LlmDeadlineError(this.what, this.deadlineMs, this.records);
  }

  failed(endpoint: string, failure: AttemptFailure): void {
    this.records.push({ endpoint, type: failure.type, message: failure.message });
  }

  skipped(endpoint: string, why: string): void {
    this.records.push({ endpoint, type: 'skipped', message: why });
  }

  /** Full jitter before the next attempt, so requests failed together do not retry together. */
  async pause(): Promise<void> {
    const ceiling = Math.min(1_000, this.jitterMs * 2 ** Math.max(0, this.attempts - 1));
    const ms = Math.min(Math.floor(this.random() * ceiling), this.deadlineAt - this.clock.now());
    if (ms > 0) await this.sleep(ms);
  }

  /**
   * Waits until `at` (when given), until `subscribe` calls back (an endpoint changed), or until
   * the signal ends the call, whichever comes first; rejects only in the last case.
   */
  sleep(ms: number | undefined, subscribe?: (wake: () => void) => () => void): Promise<void> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      let unsubscribe: (() => void) | undefined;
      let finished = false;
      const done = (error?: unknown) => {
        if (finished) return;
        finished = true;
        if (timer) this.clock.clearTimeout(timer);
        unsubscribe?.();
        signal.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => done(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      if (ms !== undefined) timer = this.clock.setTimeout(() => done(), Math.max(0, ms));
      unsubscribe = subscribe?.(() => done());
      if (finished) unsubscribe?.();
    });
  }

  /** Ends the call as if its caller had cancelled it (the router is stopping). */
  cancel(): void {
    this.controller.abort(new AttemptAbort('cancelled', 0));
  }

  end(): void {
    this.clock.clearTimeout(this.timer);
    this.detach();
  }
}
