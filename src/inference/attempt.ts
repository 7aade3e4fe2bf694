import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { Call } from './call.js';
import type { Endpoint } from './endpoint.js';
import type { LlmRouterEvent, TokenUsage } from './events.js';
import { AttemptAbort, classifyError, isCallersFault, type AttemptFailure } from './failure.js';
import type { Permit } from './priority-gate.js';

/** What an attempt reports to: the router's clock, its observers, and its waiters. */
export interface AttemptContext {
  readonly clock: Clock;
  emit(event: LlmRouterEvent): void;
  /** An endpoint may take requests again (a trial was given back). */
  wake(): void;
}

/**
 * One try at one endpoint: holds a slot, and its own AbortSignal that the call's deadline, the
 * caller, `totalMs` and (for a streamed answer) `firstTokenMs` can each end. Settles exactly once, recording
 * the verdict on the endpoint's health and numbers and releasing the slot.
 */
export class Attempt {
  private readonly controller = new AbortController();
  private readonly startedAt: number;
  private firstTokenAt: number | null = null;
  private readonly total: TimerHandle;
  private ttft: TimerHandle | undefined;
  private verdict: AttemptFailure | 'abandoned' | 'ok' | undefined;
  private usage: TokenUsage | null = null;
  private readonly unlink: () => void;

  constructor(
    readonly endpoint: Endpoint,
    private readonly permit: Permit,
    readonly trial: boolean,
    call: Call,
    private readonly ctx: AttemptContext,
  ) {
    this.startedAt = ctx.clock.now();
    // Settled the moment anything aborts it, so the slot comes back even if nobody is left to
    // read the stream (a handed-over stream dropped unread).
    this.controller.signal.addEventListener('abort', () => this.settle(this.aborted() ?? 'abandoned'), { once: true });
    const follow = () => this.controller.abort(call.signal.reason);
    if (call.signal.aborted) follow();
    call.signal.addEventListener('abort', follow, { once: true });
    this.unlink = () => call.signal.removeEventListener('abort', follow);
    this.total = this.after(endpoint.settings.timeouts.totalMs, 'total-timeout');
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private after(ms: number, kind: 'first-token-timeout' | 'total-timeout'): TimerHandle {
    return this.ctx.clock.setTimeout(() => this.controller.abort(new AttemptAbort(kind, ms)), ms);
  }

  /** Starts the time-to-first-token clock: the request is about to be sent. */
  awaitFirstToken(): void {
    this.ttft = this.after(this.endpoint.settings.timeouts.firstTokenMs, 'first-token-timeout');
  }

  firstToken(): void {
    if (this.firstTokenAt !== null) return;
    this.firstTokenAt = this.ctx.clock.now();
    if (this.ttft) this.ctx.clock.clearTimeout(this.ttft);
  }

  /** What ended the attempt when its signal did: the deadline or the caller (no verdict), or a timeout. */
  private aborted(): AttemptFailure | 'abandoned' | undefined {
    if (!this.controller.signal.aborted) return undefined;
    const reason = this.controller.signal.reason as AttemptAbort;
    if (!(reason instanceof AttemptAbort) || reason.kind === 'deadline' || reason.kind === 'cancelled') return 'abandoned';
    return reason.kind === 'first-token-timeout'
      ? { type: 'first-token-timeout', message: `no token within ${reason.ms} ms` }
      : { type: 'total-timeout', message: `the answer took longer than ${reason.ms} ms` };
  }

  /** Settles a successful attempt, with the tokens its answer says it used when it says so. */
  succeed(usage: TokenUsage | null = null): void {
    if (!this.begin('ok')) return;
    this.usage = usage;
    const h = this.endpoint.health;
    h.succeeded(this.trial);
    const ms = this.ctx.clock.now() - this.startedAt;
    this.endpoint.stats.ok(ms, this.firstTokenAt === null ? undefined : this.firstTokenAt - this.startedAt);
    this.report('ok', ms);
  }

  /**
   * Settles a failed attempt: a timeout or the error's meaning, or `abandoned` when the deadline
   * or the caller ended it. Returns what it recorded.
   */
  fail(error: unknown): AttemptFailure | 'abandoned' {
    return this.settle(this.aborted() ?? classifyError(error, this.ctx.clock.now()));
  }

  /** The failure a stream that simply stopped stands for: a timeout, the deadline, or `fallback`. */
  failEnded(fallback: AttemptFailure): AttemptFailure | 'abandoned' {
    return this.settle(this.aborted() ?? fallback);
  }

  /** The consumer stopped reading: cancel upstream, no verdict. */
  abandon(): void {
    this.settle('abandoned');
  }

  /** Records `verdict` unless the attempt was settled already; returns the verdict that stands. */
  private settle(verdict: AttemptFailure | 'abandoned'): AttemptFailure | 'abandoned' {
    if (!this.begin(verdict)) return this.verdict === 'ok' ? 'abandoned' : this.verdict!;
    this.controller.abort(new AttemptAbort('cancelled', 0));
    const ms = this.ctx.clock.now() - this.startedAt;
    if (verdict === 'abandoned') {
      if (this.trial) {
        this.endpoint.health.dropTrial();
        this.ctx.wake();
      }
      this.endpoint.stats.abandoned();
      this.report('abandoned', ms);
      return verdict;
    }
    // A request refused on its merits shows the endpoint alive and well.
    if (isCallersFault(verdict)) this.endpoint.health.succeeded(this.trial);
    else this.endpoint.health.failed(verdict, this.trial);
    this.endpoint.stats.failed(verdict.type);
    this.report(verdict.type, ms);
    return verdict;
  }

  private begin(verdict: AttemptFailure | 'abandoned' | 'ok'): boolean {
    if (this.verdict !== undefined) return false;
    this.verdict = verdict;
    this.ctx.clock.clearTimeout(this.total);
    if (this.ttft) this.ctx.clock.clearTimeout(this.ttft);
    this.unlink();
    this.permit.release();
    return true;
  }

  private report(outcome: Extract<LlmRouterEvent, { type: 'attempt' }>['outcome'], ms: number): void {
    this.ctx.emit({
      type: 'attempt',
      endpoint: this.endpoint.name,
      outcome,
      trial: this.trial,
      durationMs: ms,
      firstTokenMs: this.firstTokenAt === null ? null : this.firstTokenAt - this.startedAt,
      usage: outcome === 'ok' ? this.usage : null,
    });
  }
}
