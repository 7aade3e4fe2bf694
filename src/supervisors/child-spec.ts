import type { ActorCell } from './cell.js';
import type { BackoffPolicy } from './backoff.js';

/** permanent: always restarted; transient: restarted after a crash only; temporary: never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/** A supervisor's child: what to start, when to restart it, how long it may take to stop. */
export interface ChildSpec {
  readonly id: string;
  /** The actor this spec starts; the same cell (and so the same ref) across restarts. */
  readonly start: ActorCell<any, any>;
  readonly restart: RestartType;
  readonly shutdownMs: number;
}

export interface SupervisorSpec {
  readonly strategy: Strategy;
  /** More than `intensity` restarts within `periodMs` and the supervisor gives up. */
  readonly intensity: number;
  readonly periodMs: number;
  readonly backoff: BackoffPolicy;
  readonly children: readonly ChildSpec[];
}

export interface ChildOptions {
  readonly restart?: RestartType;
  readonly shutdownMs?: number;
}

/** Which children a failure of `failed` stops and restarts, in start order. */
export function affectedChildren(strategy: Strategy, order: readonly string[], failed: string): string[] {
  switch (strategy) {
    case 'one_for_one':
      return [failed];
    case 'one_for_all':
      return [...order];
    case 'rest_for_one':
      return order.slice(order.indexOf(failed));
  }
}
