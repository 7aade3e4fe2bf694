import { Type } from '@sinclair/typebox';

/**
 * The Hugging Face poller's settings, as properties to merge into the `huggingface` section of
 * the config (the webhook settings of that section live in src/webhooks/config.ts).
 */
export const HuggingfacePollerConfig = {
  /** Poll the daily papers and the models, datasets and Spaces that cite them. */
  poll: Type.Boolean({ default: false }),
  /** The Hub root, without `/api`. */
  baseUrl: Type.String({ default: 'https://huggingface.co' }),
  /** A read token; empty polls anonymously (lower rate limits). */
  token: Type.String({ default: '' }),
  intervalMs: Type.Integer({ minimum: 1_000, default: 3_600_000 }),
  /** Days polled back from today (UTC), today included. */
  lookbackDays: Type.Integer({ minimum: 1, maximum: 60, default: 3 }),
  /** A day is final, and never polled again, this long after it ends (UTC). */
  finalAfterMs: Type.Integer({ minimum: 0, default: 6 * 3_600_000 }),
  requestTimeoutMs: Type.Integer({ minimum: 100, default: 60_000 }),
  maxBodyBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
};

/** The poller's part of the `huggingface` section, on its own. */
