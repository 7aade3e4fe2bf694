import { Type } from '@sinclair/typebox';

/**
 * The GitHub poller's settings, as properties to merge into the `github` section of the config
 * (the webhook settings of that section live in src/webhooks/config.ts).
 */
export const GithubPollerConfig = {
  /** Poll the repositories papers link to (REST, conditional requests). */
  poll: Type.Boolean({ default: false }),
  apiBaseUrl: Type.String({ default: 'https://api.github.com' }),
  /** Raises the limit from 60 to 5000 requests an hour; empty polls anonymously. */
  token: Type.String({ default: '' }),
  intervalMs: Type.Integer({ minimum: 1_000, default: 6 * 3_600_000 }),
  requestTimeoutMs: Type.Integer({ minimum: 100, default: 60_000 }),
};

/** The poller's part of the `github` section, on its own. */
