import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { BadInputError, WebhookNotConfiguredError, WebhookSignatureError } from '../../errors.js';
import { JOB } from '../../pipeline/job-kinds.js';
import type { AcceptResult } from '../../storage/sqlite/jobs.js';
import { JOB_PRIORITY, type Journal } from '../../storage/sqlite/journal.js';
import { WEBHOOK_BODY_LIMIT_BYTES, WEBHOOK_RATE_LIMIT_PER_MINUTE } from '../../webhooks/config.js';
import { GITHUB_EVENTS, githubDedupKey, hfDedupKey, hfScopeOf, parseWebhookBody, type WebhookJobPayload } from '../../webhooks/deliveries.js';
import { githubSignatureProblem, githubSignatureValid, huggingfaceSecretValid } from '../../webhooks/signatures.js';
import { ErrorBody } from '../schemas.js';

export interface WebhookRouteDeps {
  readonly journal: Journal;
  /** An empty secret turns the route off: it answers 503 to everything. */
  readonly githubSecret: string;
  readonly huggingfaceSecret: string;
  /** Called after a delivery created a job, to nudge the webhook stage. */
  readonly received: () => void;
  /** Bodies may be this large; 25 MB (GitHub's own cap) by default. */
  readonly githubBodyLimitBytes?: number;
  readonly huggingfaceBodyLimitBytes?: number;
  /** Deliveries a minute per address and provider; `WEBHOOK_RATE_LIMIT_PER_MINUTE` by default. */
  readonly githubPerMinute?: number;
  readonly huggingfacePerMinute?: number;
}

const Answer = Type.Object({
  status: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('ignored')], {
    description: 'accepted: journaled now; duplicate: journaled before (a redelivery or replay); ignored: an event paperd takes nothing from',
  }),
  job: Type.Optional(Type.Integer({ description: 'the journal job that handles it' })),
  event: Type.String(),
});
type Answer = Static<typeof Answer>;

const responses = { 202: Answer, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 503: ErrorBody };

function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

// Ids become journal keys: a bounded, printable token, whatever the sender puts there.
const DELIVERY_ID = /^[\w.:-]{1,128}$/;
const EVENT_NAME = /^[a-z_]{1,64}$/;

/** A provider's deliveries from one address: their own bucket, apart from the API's (see `WEBHOOK_RATE_LIMIT_PER_MINUTE`). */
function deliveriesPerMinute(provider: string, max = WEBHOOK_RATE_LIMIT_PER_MINUTE) {
  return { max, timeWindow: 60_000, keyGenerator: (req: FastifyRequest) => `webhook:${provider}:${req.ip}` };
}

function rawBody(req: FastifyRequest): Buffer {
  if (!Buffer.isBuffer(req.body)) throw new BadInputError('a webhook body must be application/json or application/x-www-form-urlencoded');
  return req.body;
}

/**
 * `POST /v1/webhooks/github` and `POST /v1/webhooks/huggingface`. They need no API key: each
 * delivery is authenticated by its signature (GitHub, HMAC-SHA256 over the raw body) or secret
 * (Hugging Face), in constant time, before its JSON is parsed. A delivery is journaled (one
 * insert, keyed so that redeliveries and replays are one job) and answered 202 at once; the
 * webhook stage turns it into graph facts. Events paperd takes nothing from are answered 202
 * `ignored` rather than 204, so that GitHub's delivery log shows why nothing happened.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRouteDeps> = async (app, deps) => {
  // Scoped to this plugin: the signature is over the bytes, so the body stays a Buffer until checked.
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // In the event loop's turn at the write lock: a delivery that met the index writer's transaction
  // in SQLite's busy handler held every request on the event loop until it could insert.
  const journal = async (payload: WebhookJobPayload, dedupKey: string): Promise<Answer> => {
    const [{ id, created }] = (await deps.journal.acceptManyInTurn([{ kind: JOB.webhook, dedupKey, payload, priority: JOB_PRIORITY.hot }])) as [AcceptResult];
    if (created) deps.received();
    return { status: created ? 'accepted' : 'duplicate', job: id, event: payload.event };
  };

  app.post(
    '/v1/webhooks/github',
    {
      bodyLimit: deps.githubBodyLimitBytes ?? WEBHOOK_BODY_LIMIT_BYTES,
      config: { rateLimit: deliveriesPerMinute('github', deps.githubPerMinute) },
      schema: { summary: 'A GitHub webhook delivery (signed with X-Hub-Signature-256)', response: responses },
      // After the rate limit (an onRequest hook: refusals count too, so guessing is throttled) and
      // before the body is read: a node without the secret, or a delivery without a signature, costs nothing.
      preParsing: async (req, _reply, payload) => {
        if (!deps.githubSecret) throw new WebhookNotConfiguredError('GitHub', 'github.webhookSecret (PAPERD_GITHUB_WEBHOOK_SECRET)');
        const problem = githubSignatureProblem(header(req, 'x-hub-signature-256'));
        if (problem) throw new WebhookSignatureError('GitHub', problem);
        if (!EVENT_NAME.test(header(req, 'x-github-event') ?? '')) throw new BadInputError('X-GitHub-Event is missing or not an event name');
        if (!DELIVERY_ID.test(header(req, 'x-github-delivery') ?? '')) throw new BadInputError('X-GitHub-Delivery is missing or not a delivery id');
        return payload;
      },
    },
    async (req, reply) => {
      const raw = rawBody(req);
      if (!(await githubSignatureValid(deps.githubSecret, raw, header(req, 'x-hub-signature-256')!))) {
        throw new WebhookSignatureError('GitHub', 'X-Hub-Signature-256 does not match the body');
      }
      const body = parseWebhookBody(raw, header(req, 'content-type'));
      const event = header(req, 'x-github-event')!;
      const deliveryId = header(req, 'x-github-delivery')!;
      if (!GITHUB_EVENTS.has(event)) return reply.code(202).send({ status: 'ignored', event });
      return reply.code(202).send(await journal({ provider: 'github', event, deliveryId, body }, githubDedupKey(deliveryId)));
    },
  );

  app.post(
    '/v1/webhooks/huggingface',
    {
      bodyLimit: deps.huggingfaceBodyLimitBytes ?? WEBHOOK_BODY_LIMIT_BYTES,
      config: { rateLimit: deliveriesPerMinute('huggingface', deps.huggingfacePerMinute) },
      schema: { summary: 'A Hugging Face webhook delivery (authenticated by X-Webhook-Secret)', response: responses },
      preParsing: async (req, _reply, payload) => {
        if (!deps.huggingfaceSecret) throw new WebhookNotConfiguredError('Hugging Face', 'huggingface.webhookSecret (PAPERD_HUGGINGFACE_WEBHOOK_SECRET)');
        const secret = header(req, 'x-webhook-secret');
        if (secret === undefined || secret === '') throw new WebhookSignatureError('Hugging Face', 'no X-Webhook-Secret header');
        if (!huggingfaceSecretValid(deps.huggingfaceSecret, secret)) throw new WebhookSignatureError('Hugging Face', 'X-Webhook-Secret is not the configured secret');
        return payload;
      },
    },
    async (req, reply) => {
      const body = parseWebhookBody(rawBody(req), header(req, 'content-type'));
      const event = body.event as { scope?: unknown; action?: unknown } | undefined;
      const repo = body.repo as { name?: unknown; type?: unknown } | undefined;
      if (typeof event?.scope !== 'string' || typeof event.action !== 'string') throw new BadInputError('a Hugging Face webhook body must have event.scope and event.action strings');
      if (typeof repo?.name !== 'string' || typeof repo.type !== 'string') throw new BadInputError('a Hugging Face webhook body must have repo.name and repo.type strings');
      const scope = hfScopeOf(event.scope);
      if (!scope) return reply.code(202).send({ status: 'ignored', event: event.scope });
      const dedupKey = hfDedupKey(body);
      return reply.code(202).send(await journal({ provider: 'huggingface', event: scope, deliveryId: dedupKey, body }, dedupKey));
    },
  );
};
