import { Type } from '@sinclair/typebox';

/** GitHub's largest webhook payload: it cuts deliveries at 25 MB. */
export const WEBHOOK_BODY_LIMIT_BYTES = 25 * 1_048_576;

/**
 * Deliveries a minute per sending address. A provider sends from a few addresses, in bursts (a
 * repository starred a thousand times, a release fanning out), and it does not resend what was
 * refused: its deliveries get a bucket of their own, larger than an anonymous caller's, so that
 * API traffic from the same address never spends it. Refusals count, so guessing is throttled.
 */
export const WEBHOOK_RATE_LIMIT_PER_MINUTE = 6_000;

/**
 * The webhook settings of the `github` section, to spread into it next to the poller's
 * (`PAPERD_GITHUB_WEBHOOK_SECRET`). An empty secret turns the route off: it answers 503.
 */
export const GithubWebhookSettings = {
  /** The secret the GitHub webhook was created with; `X-Hub-Signature-256` is checked against it. */
  webhookSecret: Type.String({ default: '' }),
  /** Deliveries may be this large (GitHub sends at most 25 MB). */
  webhookBodyLimitBytes: Type.Integer({ minimum: 1024, default: WEBHOOK_BODY_LIMIT_BYTES }),
  /** Deliveries a minute from one address, refused ones included; their own bucket, apart from the API's. */
  webhookRateLimitPerMinute: Type.Integer({ minimum: 1, default: WEBHOOK_RATE_LIMIT_PER_MINUTE }),
};

/**
 * The webhook settings of the `huggingface` section (`PAPERD_HUGGINGFACE_WEBHOOK_SECRET`; the node
 * also reads `PAPERD_HF_WEBHOOK_SECRET` when the long name is unset).
 */
export const HuggingfaceWebhookSettings = {
  /** The secret set on the Hugging Face webhook; it arrives in `X-Webhook-Secret`. */
  webhookSecret: Type.String({ default: '' }),
  webhookBodyLimitBytes: Type.Integer({ minimum: 1024, default: WEBHOOK_BODY_LIMIT_BYTES }),
  webhookRateLimitPerMinute: Type.Integer({ minimum: 1, default: WEBHOOK_RATE_LIMIT_PER_MINUTE }),
};

/**
 * The Hugging Face secret from the environment's short alias, for the node's startup: the config
 * loader maps `PAPERD_HUGGINGFACE_WEBHOOK_SECRET`; this adds `PAPERD_HF_WEBHOOK_SECRET` under it.
 */
export function huggingfaceSecretOf(configured: string, env: NodeJS.ProcessEnv = process.env): string {
  return configured || env.PAPERD_HF_WEBHOOK_SECRET || '';
}
