import { createHash } from 'node:crypto';
import { BadInputError } from '../errors.js';

/** Who sent a webhook. */
export type WebhookProvider = 'github' | 'huggingface';

/**
 * The payload of a `webhook` journal job: what a delivery said, kept until the stage has turned
 * it into graph facts.
 */
export interface WebhookJobPayload {
  readonly provider: WebhookProvider;
  /** GitHub: `X-GitHub-Event` (`star`); Hugging Face: the scope it is handled as (`repo.content`). */
  readonly event: string;
  /** GitHub: `X-GitHub-Delivery`; Hugging Face (which sends no id): the content key. */
  readonly deliveryId: string;
  /** The body, parsed. */
  readonly body: Record<string, unknown>;
}

/** The GitHub events that carry facts; every other event is answered and ignored. */
export const GITHUB_EVENTS: ReadonlySet<string> = new Set(['release', 'push', 'repository', 'star', 'ping', 'create', 'public']);

/** The Hugging Face scopes, narrowest last. */
export const HF_SCOPES = ['repo', 'repo.content', 'repo.config', 'discussion', 'discussion.comment'] as const;
export type HfScope = (typeof HF_SCOPES)[number];

/**
 * The scope a Hugging Face event is handled as: a known one as it is, an unknown narrower one
 * (`repo.content.foo`) as the closest broader scope it names (`repo.content`), anything else
 * undefined (ignored).
 */
export function hfScopeOf(scope: string): HfScope | undefined {
  for (let s = scope; s; s = s.includes('.') ? s.slice(0, s.lastIndexOf('.')) : '') {
    if ((HF_SCOPES as readonly string[]).includes(s)) return s as HfScope;
  }
  return undefined;
}

/** The journal's dedup key for a GitHub delivery: GitHub keeps the id across redeliveries. */
export function githubDedupKey(deliveryId: string): string {
  return `github:${deliveryId}`;
}

const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

/**
 * The content key of a Hugging Face event, which has no delivery id: the webhook, the repo, the
 * state the event reports (head SHA, updated refs, visibility, discussion status) and what
 * happened. A retry or replay of the same event has the same key; a later change does not.
 */
export function hfDedupKey(body: Record<string, unknown>): string {
  const refs = get(body, 'updatedRefs');
  const parts = [
    get(body, 'webhook', 'id'),
    get(body, 'repo', 'id') ?? get(body, 'repo', 'name'),
    get(body, 'repo', 'headSha'),
    Array.isArray(refs) ? refs.map((r) => [get(r, 'ref'), get(r, 'oldSha'), get(r, 'newSha')]) : null,
    get(body, 'repo', 'private'),
    get(body, 'discussion', 'id'),
    get(body, 'discussion', 'status'),
    get(body, 'comment', 'id'),
    get(body, 'event', 'scope'),
    get(body, 'event', 'action'),
  ].map((p) => p ?? null);
  return `huggingface:${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}

/**
 * A webhook body as JSON: `application/json`, or GitHub's form encoding, whose `payload` field
 * holds the JSON. Refuses what is not a JSON object, saying why.
 */
export function parseWebhookBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  let text = raw.toString('utf8');
  if ((contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new BadInputError('a form-encoded webhook body must have a "payload" field holding the JSON');
    text = payload;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`the webhook body is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new BadInputError('the webhook body must be a JSON object');
  return parsed as Record<string, unknown>;
}
