import type { Logger } from 'pino';
import { AlertDeliveryError } from '../../errors.js';
import type { Alert, AlertSink } from './types.js';

/** One pino line per transition: `alert firing` at error (critical) or warn, `alert resolved` at info. */
export function logSink(log: Logger): AlertSink {
  return {
    name: 'log',
    async deliver(alerts) {
      for (const alert of alerts) {
        const level = alert.state === 'resolved' ? 'info' : alert.severity === 'critical' ? 'error' : 'warn';
        log[level]({ alert }, `alert ${alert.state}: ${alert.rule}${alert.subject ? ` (${alert.subject})` : ''}: ${alert.message}`);
      }
    },
  };
}

export interface WebhookSinkOptions {
  readonly url: string;
  readonly token?: string;
  readonly timeoutMs: number;
  /** Tries per delivery; each waits `retryDelayMs` longer than the last. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
}

/** The body a webhook sink POSTs: what changed, for one node, in one request. */
export interface AlertWebhookBody {
  readonly source: 'paperd';
  readonly node: string;
  readonly firing: number;
  readonly resolved: number;
  readonly alerts: readonly Alert[];
}

/**
 * A generic webhook sink: POSTs the transitions as JSON (`AlertWebhookBody`) to a URL: an
 * Alertmanager-style relay, a chat bridge, a pager. Network failures, 5xx and 429 are tried
 * again a bounded number of times; any other non-2xx answer is final.
 */
export function webhookSink(options: WebhookSinkOptions): AlertSink {
  const attempts = options.attempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 500;
  return {
    name: 'webhook',
    async deliver(alerts) {
      const body: AlertWebhookBody = {
        source: 'paperd',
        node: alerts[0]?.node ?? '',
        firing: alerts.filter((a) => a.state === 'firing').length,
        resolved: alerts.filter((a) => a.state === 'resolved').length,
        alerts,
      };
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'paperd-alerts' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let last: { status?: number; cause?: unknown } = {};
      let tried = 0;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        tried = attempt;
        try {
          const response = await fetch(options.url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(options.timeoutMs) });
          await response.arrayBuffer().catch(() => undefined);
          if (response.ok) return;
          last = { status: response.status };
          if (response.status !== 429 && response.status < 500) break;
        } catch (error) {
          last = { cause: error };
        }
        if (attempt < attempts) await new Promise((r) => setTimeout(r, retryDelayMs * attempt));
      }
      throw new AlertDeliveryError(options.url, tried, last.status, last.cause);
    },
  };
}
