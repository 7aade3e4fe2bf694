import type { Random } from '../runtime/clock.js';

/** How long a supervisor waits before a restart: `minMs·2^attempt`, capped, with jitter. */
export interface BackoffPolicy {
  readonly minMs: number;
  readonly maxMs: number;
  /** The share of each delay that is random (0 = none, 1 = anywhere from 0 to the full delay). */
  readonly jitter: number;
  /** A child that has not failed for this long starts again from attempt 0. */
  readonly resetAfterMs: number;
}

export const defaultBackoff: BackoffPolicy = { minMs: 100, maxMs: 30_000, jitter: 0.2, resetAfterMs: 60_000 };

/** The delay before restart number `attempt` (0 for the first). */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: Random): number {
  const exponential = Math.min(policy.maxMs, policy.minMs * 2 ** Math.min(attempt, 30));
  // Equal jitter: the fixed part keeps delays growing, the random part spreads restarts apart.
  return Math.round(exponential * (1 - policy.jitter) + exponential * policy.jitter * random());
}
