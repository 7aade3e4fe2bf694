/** How bad an alert is: `critical` wakes someone, `warning` waits for the morning. */
export type AlertSeverity = 'warning' | 'critical';

/** What one rule found about one subject (a source, an endpoint, a GPU) at one evaluation. */
export interface RuleFinding {
  /** The subject within the rule (`arxiv-poller`, `gpu0`); empty when the rule has one subject. */
  readonly subject: string;
  readonly firing: boolean;
  /** Why, in a sentence a person reads (with the numbers). */
  readonly message: string;
  /** The number the rule compared, when there is one. */
  readonly value?: number;
}

/**
 * A built-in alert rule. It reads its signals through provider functions and says, per subject,
 * whether it fires; a rule whose provider is absent on this node finds nothing.
 */
export interface AlertRule {
  readonly name: string;
  readonly severity: AlertSeverity;
  /** One line for people: what it means and what to look at. */
  readonly summary: string;
  evaluate(now: number): RuleFinding[] | Promise<RuleFinding[]>;
}

export type AlertState = 'firing' | 'resolved';

/** One alert as `GET /v1/alerts` serves it and the sinks receive it. */
export interface Alert {
  readonly rule: string;
  readonly subject: string;
  readonly severity: AlertSeverity;
  readonly state: AlertState;
  readonly summary: string;
  readonly message: string;
  readonly value: number | null;
  /** When it started firing (epoch ms). */
  readonly firingSince: number;
  /** When it resolved (epoch ms); null while firing. */
  readonly resolvedAt: number | null;
  /** The last evaluation that saw it (epoch ms). */
  readonly lastEvaluatedAt: number;
  readonly node: string;
}

/** Where alert transitions go (a log line, a webhook). Delivery failures are the sink's to report; they never stop evaluation. */
export interface AlertSink {
  readonly name: string;
  deliver(alerts: readonly Alert[]): Promise<void>;
}
