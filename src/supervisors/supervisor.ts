import type { Logger } from 'pino';
import { assertNever } from '../protocols/message.js';
import type { SupervisorMessage } from '../protocols/supervision.js';
import { SupervisorGaveUpError, describeError } from '../errors.js';
import type { Clock, Random, TimerHandle } from '../runtime/clock.js';
import { tell } from './actor-ref.js';
import { backoffDelay } from './backoff.js';
import type { ActorContext, Behavior } from './behavior.js';
import type { CellExit } from './cell.js';
import { affectedChildren, type ChildSpec, type SupervisorSpec } from './child-spec.js';
import type { Registry } from './registry.js';
import type { RestartLog } from './restart-log.js';

interface ChildEntry {
  readonly spec: ChildSpec;
  /** running, waiting for a restart, or gone (a temporary or transient child that ended). */
  phase: 'running' | 'waiting' | 'gone';
  attempts: number;
  lastFailureAt: number;
}

export interface SupervisorState {
  readonly children: ChildEntry[];
  restartTimes: number[];
  readonly timers: TimerHandle[];
  /** Bumped on every stop, so a restart timer set by an earlier incarnation does nothing. */
  readonly generation: number;
}

export interface SupervisorEnvironment {
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly registry: Registry;
  readonly restartLog: RestartLog;
  readonly spawnParent: unknown;
}

let generations = 0;

/**
 * A supervisor as an actor: it starts its children in order, stops them in reverse, and answers
 * each child's failure with its strategy, restart intensity and backoff, as Erlang/OTP's does.
 * Giving up stops every child and then crashes the supervisor, so its own supervisor decides.
 */
export function supervisorBehavior(spec: SupervisorSpec, env: SupervisorEnvironment): Behavior<SupervisorMessage, SupervisorState> {
  const order = spec.children.map((c) => c.id);

  const startChild = async (ctx: ActorContext<SupervisorMessage>, entry: ChildEntry): Promise<void> => {
    const cell = entry.spec.start;
    if (cell.path !== `${ctx.path}/${cell.id}`) {
      cell.attach(ctx.path);
      env.registry.add(cell, ctx.path);
    }
    await cell.start(env.spawnParent as never, (exit: CellExit) => {
      const id = entry.spec.id;
      if (exit.type === 'failed') tell(ctx.self, { type: 'childFailed', id, incarnation: exit.incarnation, error: exit.error });
      else tell(ctx.self, { type: 'childExited', id, incarnation: exit.incarnation });
    });
    entry.phase = 'running';
  };

  const stopChildren = async (entries: ChildEntry[], reason: 'shutdown' | 'restart'): Promise<void> => {
    for (const entry of [...entries].reverse()) {
      if (entry.phase === 'gone' && entry.spec.start.status === 'stopped') continue;
      // A temporary child is never restarted, so stopping it is final.
      const final = reason === 'shutdown' || entry.spec.restart === 'temporary';
      await entry.spec.start.stop(entry.spec.shutdownMs, reason, final);
      if (final) entry.phase = 'gone';
    }
  };

  const giveUp = async (ctx: ActorContext<SupervisorMessage>, state: SupervisorState, failed: ChildEntry, error: unknown): Promise<never> => {
    const gaveUp = new SupervisorGaveUpError(ctx.path, state.restartTimes.length, spec.periodMs, error);
    const { name, message, stack } = describeError(error);
    env.restartLog.record({
      at: env.clock.now(), event: 'give_up', actor: failed.spec.start.path, supervisor: ctx.path, strategy: spec.strategy,
      errorName: name, errorMessage: message, errorStack: stack, attempt: state.restartTimes.length, delayMs: 0, restarted: [],
    });
    env.registry.emit({ type: 'supervisor.gave_up', path: ctx.path, restarts: state.restartTimes.length });
    await stopChildren(state.children.filter((c) => c.phase !== 'gone'), 'restart');
    const parent = ctx.path.includes('/') ? ctx.path.slice(0, ctx.path.lastIndexOf('/')) : 'node';
    env.restartLog.record({
      at: env.clock.now(), event: 'escalate', actor: ctx.path, supervisor: parent, strategy: spec.strategy,
      errorName: gaveUp.name, errorMessage: gaveUp.message, errorStack: describeError(gaveUp).stack, attempt: state.restartTimes.length, delayMs: 0, restarted: [],
    });
    throw gaveUp;
  };

  const onFailure = async (ctx: ActorContext<SupervisorMessage>, state: SupervisorState, id: string, error: unknown, crashed: boolean): Promise<void> => {
    const failed = state.children.find((c) => c.spec.id === id)!;
    const restartIt = failed.spec.restart === 'permanent' || (failed.spec.restart === 'transient' && crashed);
    if (!restartIt) {
      failed.phase = 'gone';
      await failed.spec.start.stop(failed.spec.shutdownMs, 'shutdown', true);
      return;
    }
    const now = env.clock.now();
    state.restartTimes = state.restartTimes.filter((t) => t > now - spec.periodMs);
    state.restartTimes.push(now);
    if (state.restartTimes.length > spec.intensity) await giveUp(ctx, state, failed, error);

    if (now - failed.lastFailureAt > spec.backoff.resetAfterMs) failed.attempts = 0;
    failed.lastFailureAt = now;
    const attempt = failed.attempts++;
    const delayMs = backoffDelay(spec.backoff, attempt, env.random);

    const ids = affectedChildren(spec.strategy, order, id);
    const affected = state.children.filter((c) => ids.includes(c.spec.id) && c.phase !== 'gone');
    // The failed child is already down (terminate releases what it held); its siblings stop in reverse start order.
    await failed.spec.start.stop(failed.spec.shutdownMs, 'restart', false);
    await stopChildren(affected.filter((c) => c !== failed), 'restart');
    const restarting = affected.filter((c) => c.phase !== 'gone');
    for (const entry of restarting) {
      entry.phase = 'waiting';
      entry.spec.start.markRestarting();
    }
    const { name, message, stack } = describeError(error);
    env.restartLog.record({
      at: now, event: 'restart', actor: failed.spec.start.path, supervisor: ctx.path, strategy: spec.strategy,
      errorName: name, errorMessage: message, errorStack: stack, attempt: attempt + 1, delayMs,
      restarted: restarting.map((c) => c.spec.id),
    });
    env.registry.emit({ type: 'actor.restarting', path: failed.spec.start.path, attempt: attempt + 1, delayMs });
    const generation = state.generation;
    state.timers.push(env.clock.setTimeout(() => tell(ctx.self, { type: 'restartDue', ids: restarting.map((c) => c.spec.id), generation }), delayMs));
  };

  return {
    async init(ctx) {
      const state: SupervisorState = {
        children: spec.children.map((c) => ({ spec: c, phase: 'waiting', attempts: 0, lastFailureAt: -Infinity })),
        restartTimes: [],
        timers: [],
        generation: ++generations,
      };
      for (const entry of state.children) {
        try {
          await startChild(ctx, entry);
        } catch (error) {
          // A child that cannot start fails its supervisor's start, as in OTP: stop what started.
          await stopChildren(state.children.filter((c) => c.phase === 'running'), 'restart');
          throw error;
        }
      }
      return state;
    },

    async receive(state, msg, ctx) {
      switch (msg.type) {
        case 'childFailed':
        case 'childExited': {
          const entry = state.children.find((c) => c.spec.id === msg.id);
          // News from an incarnation that is no longer current (already restarted, or stopped) is stale.
          if (!entry || entry.phase !== 'running' || entry.spec.start.incarnationNumber !== msg.incarnation) return state;
          await onFailure(ctx, state, msg.id, msg.type === 'childFailed' ? msg.error : undefined, msg.type === 'childFailed');
          return state;
        }
        case 'restartDue': {
          if (msg.generation !== state.generation) return state;
          for (const entry of state.children) {
            if (!msg.ids.includes(entry.spec.id) || entry.phase !== 'waiting') continue;
            entry.spec.start.restarts++;
            try {
              await startChild(ctx, entry);
            } catch (error) {
              await onFailure(ctx, state, entry.spec.id, error, true);
              break;
            }
          }
          return state;
        }
        default:
          return assertNever(msg);
      }
    },

    async terminate(state, reason) {
      for (const timer of state.timers) env.clock.clearTimeout(timer);
      (state as { generation: number }).generation = -1;
      await stopChildren(state.children.filter((c) => c.phase !== 'gone' || c.spec.start.status !== 'stopped'), reason);
    },

    summary(state) {
      return {
        strategy: spec.strategy,
        intensity: spec.intensity,
        periodMs: spec.periodMs,
        recentRestarts: state.restartTimes.filter((t) => t > env.clock.now() - spec.periodMs).length,
      };
    },
  };
}
