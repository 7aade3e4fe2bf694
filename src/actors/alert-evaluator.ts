import { Type, type Static } from '@sinclair/typebox';
import type { AlertEngine, EvaluationReport } from '../ops/alerts/engine.js';
import { messageSchema } from '../protocols/message.js';
import type { TimerHandle } from '../runtime/clock.js';
import { tell, type Behavior } from '../supervisors/index.js';

/** Evaluate the alert rules now. */
export const EvaluateAlerts = messageSchema('evaluateAlerts', {});
export const AlertEvaluatorMessage = Type.Union([EvaluateAlerts]);
export type AlertEvaluatorMessage = Static<typeof AlertEvaluatorMessage>;
export type AlertEvaluatorReplies = { evaluateAlerts: EvaluationReport };

export interface AlertEvaluatorDeps {
  readonly engine: AlertEngine;
  readonly everyMs: number;
}

interface AlertEvaluatorState {
  timer: TimerHandle | undefined;
  readonly cancel: (t: TimerHandle) => void;
  evaluations: number;
  lastAt: number | undefined;
  last: EvaluationReport | undefined;
}

/**
 * Evaluates the built-in alert rules at start and every `everyMs` (and when asked), on the main
 * or single node. A rule that throws is reported and skipped; delivery failures are the sinks'
 * (logged), so neither crashes the evaluator.
 */
export function alertEvaluatorBehavior(deps: AlertEvaluatorDeps): Behavior<AlertEvaluatorMessage, AlertEvaluatorState, AlertEvaluatorReplies> {
  return {
    init(ctx) {
      tell(ctx.self, { type: 'evaluateAlerts' });
      return { timer: undefined, cancel: (t) => ctx.clock.clearTimeout(t), evaluations: 0, lastAt: undefined, last: undefined };
    },
    async receive(state, _msg, ctx) {
      if (state.timer) ctx.clock.clearTimeout(state.timer);
      state.timer = undefined;
      const now = ctx.clock.now();
      const report = await deps.engine.evaluate(now);
      state.evaluations++;
      state.lastAt = now;
      state.last = report;
      ctx.reply(report);
      state.timer = ctx.clock.setTimeout(() => tell(ctx.self, { type: 'evaluateAlerts' }), deps.everyMs);
      return state;
    },
    terminate(state) {
      if (state.timer) state.cancel(state.timer);
    },
    summary: (state) => ({
      evaluations: state.evaluations,
      lastEvaluatedAt: state.lastAt === undefined ? null : new Date(state.lastAt).toISOString(),
      firing: state.last?.firing ?? 0,
      failedRules: state.last?.failedRules.join(' ') ?? '',
    }),
  };
}
