import type { Clock, Random } from '../runtime/clock.js';
import type { ResolvedLlmConfig } from './config.js';
import { describeFailure, meansDown, tripsAtOnce, type AttemptFailure } from './failure.js';

/** `up` takes traffic; `cooling` rests after overload or errors; `down` is unreachable or dead. */
export type EndpointState = 'up' | 'cooling' | 'down';

/** Whether an endpoint takes a request now: freely, as its one half-open trial, or not at all. */
export type Admission = 'open' | 'trial' | 'shut';

export type CooldownPolicy = ResolvedLlmConfig['cooldown'];

/** A change of an endpoint's state, or a new cooldown while it stays cooling or down. */
export interface HealthChange {
  readonly endpoint: string;
  readonly from: EndpointState;
  readonly to: EndpointState;
  /** Why it is not up; null once it is. */
  readonly reason: string | null;
  readonly cooldownUntil: number | null;
}

/**
 * One endpoint's circuit: closed (`up`), open (`cooling`/`down`) until its cooldown ends, then
 * half-open: one trial (a probe or a request) goes through; success closes it, failure opens it
 * again for longer. A Retry-After sets the cooldown as asked instead.
 */
export class EndpointHealth {
  private current: EndpointState = 'up';
  private why: string | null = null;
  private sinceMs: number;
  private until: number | null = null;
  /** Cooldowns in a row with no successful trial between them: the exponent of the next one. */
  private trips = 0;
  private failuresInARow = 0;
  private trialHeld = false;
  private last: { at: number; failure: AttemptFailure } | null = null;

  constructor(
    readonly endpoint: string,
    private readonly policy: CooldownPolicy,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly onChange: (change: HealthChange) => void,
  ) {
    this.sinceMs = clock.now();
  }

  get state(): EndpointState {
    return this.current;
  }

  admission(now = this.clock.now()): Admission {
    if (this.current === 'up') return 'open';
    return this.until !== null && now >= this.until && !this.trialHeld ? 'trial' : 'shut';
  }

  /** Takes the half-open trial; false when it is not due or someone else holds it. */
  takeTrial(): boolean {
    if (this.admission() !== 'trial') return false;
    this.trialHeld = true;
    return true;
  }

  /** Gives back a trial that ended with no verdict (the caller left, the deadline passed). */
  dropTrial(): void {
    this.trialHeld = false;
  }

  succeeded(trial: boolean): void {
    this.failuresInARow = 0;
    if (trial) this.trialHeld = false;
    // Answers to requests sent before a trip prove nothing about the overload that tripped it.
    if (this.current !== 'up' && !trial) return;
    this.trips = 0;
    if (this.current !== 'up') this.move('up', null, null);
  }

  failed(failure: AttemptFailure, trial: boolean): void {
    const now = this.clock.now();
    this.last = { at: now, failure };
    if (trial) {
      this.trialHeld = false;
      this.trip(failure, now);
      return;
    }
    if (this.current === 'up') {
      this.failuresInARow++;
      if (tripsAtOnce(failure) || this.failuresInARow >= this.policy.failureThreshold) this.trip(failure, now);
      return;
    }
    // Already resting: a late failure can only make it worse (gone, or asked to wait longer).
    const asked = failure.retryAfterMs === undefined ? undefined : now + Math.min(failure.retryAfterMs, this.policy.maxRetryAfterMs);
    const until = asked !== undefined && (this.until === null || asked > this.until) ? asked : this.until;
    if ((meansDown(failure) && this.current !== 'down') || until !== this.until) {
      this.move(meansDown(failure) ? 'down' : this.current, describeFailure(failure), until);
    }
  }

  private trip(failure: AttemptFailure, now: number): void {
    const p = this.policy;
    const ms =
      failure.retryAfterMs !== undefined
        ? Math.min(failure.retryAfterMs, p.maxRetryAfterMs)
        : Math.min(p.maxMs, p.baseMs * p.multiplier ** this.trips) * (1 + p.jitter * (2 * this.random() - 1));
    this.trips++;
    this.failuresInARow = 0;
    this.move(meansDown(failure) ? 'down' : 'cooling', describeFailure(failure), now + Math.round(ms));
  }

  private move(to: EndpointState, reason: string | null, until: number | null): void {
    const from = this.current;
    if (from !== to) this.sinceMs = this.clock.now();
    this.current = to;
    this.why = reason;
    this.until = until;
    this.onChange({ endpoint: this.endpoint, from, to, reason, cooldownUntil: until });
  }

  /** The state as the API and the tests see it. */
  snapshot(now = this.clock.now()) {
    return {
      state: this.current,
      reason: this.why,
      since: this.sinceMs,
      cooldownUntil: this.until,
      /** Cooldown over: the next probe or request is the trial that decides. */
      halfOpen: this.current !== 'up' && this.until !== null && now >= this.until,
      failuresInARow: this.failuresInARow,
      trips: this.trips,
      lastFailure: this.last ? { at: this.last.at, type: this.last.failure.type, message: this.last.failure.message, ...(this.last.failure.status === undefined ? {} : { status: this.last.failure.status }) } : null,
    };
  }
}
