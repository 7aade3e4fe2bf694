import type { Logger } from 'pino';
import type { AlertStore } from './store.js';
import type { Alert, AlertRule, AlertSink } from './types.js';

export interface AlertEngineOptions {
  readonly rules: readonly AlertRule[];
  readonly sinks: readonly AlertSink[];
  readonly store: AlertStore;
  readonly node: string;
  readonly log: Logger;
  /** Resolved alerts are kept this long for `GET /v1/alerts`, then pruned. */
  readonly keepResolvedMs?: number;
}

/** What one evaluation changed. */
export interface EvaluationReport {
  /** Alerts that started firing or resolved at this evaluation (what the sinks were given). */
  readonly transitions: readonly Alert[];
  readonly firing: number;
  /** Rules that threw; their alerts keep the state they had. */
  readonly failedRules: readonly string[];
}

const keyOf = (rule: string, subject: string) => `${rule}\u0000${subject}`;

/**
 * Evaluates the built-in rules and keeps each alert's state (firing, resolved): a finding that
 * fires opens an alert, the first evaluation without it resolves it. Only transitions reach the
 * sinks, so a sink hears of an alert twice: when it fires and when it resolves. State lives in
 * SQLite, so a restarted node neither repeats what was firing nor forgets it.
 */
export class AlertEngine {
  private readonly current = new Map<string, Alert>();
  private readonly keepResolvedMs: number;

  constructor(private readonly options: AlertEngineOptions) {
    this.keepResolvedMs = options.keepResolvedMs ?? 7 * 24 * 3_600_000;
    for (const alert of options.store.list()) this.current.set(keyOf(alert.rule, alert.subject), alert);
  }

  /** Every alert known: firing first, then resolved, newest first. */
  alerts(): Alert[] {
    return [...this.current.values()].sort((a, b) => (a.state === b.state ? b.firingSince - a.firingSince : a.state === 'firing' ? -1 : 1));
  }

  firing(): Alert[] {
    return this.alerts().filter((a) => a.state === 'firing');
  }

  /** Runs every rule once at `now`, records the new state, and hands the transitions to the sinks. */
  async evaluate(now: number): Promise<EvaluationReport> {
    const { node, log } = this.options;
    const transitions: Alert[] = [];
    const changed: Alert[] = [];
    const failedRules: string[] = [];
    for (const rule of this.options.rules) {
      let findings;
      try {
        findings = await rule.evaluate(now);
      } catch (error) {
        failedRules.push(rule.name);
        log.warn({ err: error, rule: rule.name }, 'alert rule failed to evaluate; its alerts keep their state');
        continue;
      }
      const seen = new Set<string>();
      for (const f of findings) {
        const key = keyOf(rule.name, f.subject);
        seen.add(key);
        const before = this.current.get(key);
        const wasFiring = before?.state === 'firing';
        if (!f.firing && !wasFiring) continue;
        const next: Alert = {
          rule: rule.name, subject: f.subject, severity: rule.severity, summary: rule.summary, node,
          state: f.firing ? 'firing' : 'resolved',
          message: f.message,
          value: f.value ?? null,
          firingSince: f.firing && !wasFiring ? now : before!.firingSince,
          resolvedAt: f.firing ? null : now,
          lastEvaluatedAt: now,
        };
        this.current.set(key, next);
        changed.push(next);
        if (f.firing !== wasFiring) transitions.push(next);
      }
      // A subject that is gone (an endpoint removed from the config) resolves rather than fire forever.
      for (const [key, alert] of this.current) {
        if (alert.rule !== rule.name || alert.state !== 'firing' || seen.has(key)) continue;
        const next: Alert = { ...alert, state: 'resolved', resolvedAt: now, lastEvaluatedAt: now, message: `${alert.subject || rule.name} is no longer reported` };
        this.current.set(key, next);
        changed.push(next);
        transitions.push(next);
      }
    }
    this.options.store.save(changed);
    if (this.options.store.prune(now - this.keepResolvedMs) > 0) {
      for (const [key, a] of this.current) if (a.state === 'resolved' && a.resolvedAt! < now - this.keepResolvedMs) this.current.delete(key);
    }
    if (transitions.length > 0) await this.deliver(transitions);
    return { transitions, firing: this.firing().length, failedRules };
  }

  private async deliver(alerts: readonly Alert[]): Promise<void> {
    await Promise.all(
      this.options.sinks.map(async (sink) => {
        try {
          await sink.deliver(alerts);
        } catch (error) {
          this.options.log.error({ err: error, sink: sink.name, alerts: alerts.length }, 'alert sink failed to deliver');
        }
      }),
    );
  }
}
