import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sign } from '@octokit/webhooks-methods';
import type { Database } from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry as PromRegistry } from 'prom-client';
import { buildApi } from '../../src/api/server.js';
import type { WebhookRouteDeps } from '../../src/api/routes/webhooks.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { Journal } from '../../src/storage/sqlite/journal.js';
import type { WriteGate } from '../../src/storage/sqlite/write-gate.js';
import { ActorSystem } from '../../src/supervisors/index.js';
import { tempDataDir } from './node-process.js';
import { sharedPath } from './shared.js';

/** A node's API with only the webhook routes added, on loopback, over a real journal in a temp dir. @internal */
export interface WebhookApi {
  readonly url: string;
  /** The SQLite file, for another connection (a writer thread) to open. */
  readonly file: string;
  readonly db: Database;
  readonly journal: Journal;
  /** How many times a delivery created a job. */
  readonly received: () => number;
  close(): Promise<void>;
}

/** @internal for tests */
export async function startWebhookApi(options: Partial<Omit<WebhookRouteDeps, 'journal' | 'received'>> & { perMinuteAnonymous?: number; writeGate?: WriteGate } = {}): Promise<WebhookApi> {
  const file = join(tempDataDir(), 'paperd.sqlite');
  const db = openDatabase(file);
  const journal = new Journal(db, undefined, options.writeGate ? { writeGate: options.writeGate } : {});
  let received = 0;
  const system = new ActorSystem();
  await system.start(system.supervisor('root', []), () => {});
  const app: FastifyInstance = await buildApi({
    log: pino({ level: 'silent' }), node: 'single', registry: system.registry, db, prom: new PromRegistry(), isReady: () => true, testHooks: false,
    bodyLimitBytes: 1 << 20, version: 'test',
    auth: { openReads: true, perMinuteKeyed: 100_000, perMinuteAnonymous: options.perMinuteAnonymous ?? 100_000 },
    webhooks: {
      journal,
      githubSecret: options.githubSecret ?? 'gh-secret',
      huggingfaceSecret: options.huggingfaceSecret ?? 'hf-secret',
      received: () => void received++,
      ...(options.githubBodyLimitBytes === undefined ? {} : { githubBodyLimitBytes: options.githubBodyLimitBytes }),
      ...(options.huggingfaceBodyLimitBytes === undefined ? {} : { huggingfaceBodyLimitBytes: options.huggingfaceBodyLimitBytes }),
      ...(options.githubPerMinute === undefined ? {} : { githubPerMinute: options.githubPerMinute }),
      ...(options.huggingfacePerMinute === undefined ? {} : { huggingfacePerMinute: options.huggingfacePerMinute }),
    },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const close = async () => {
    await app.close();
    await system.shutdown();
    db.close();
  };
  return { url, file, db, journal, received: () => received, close };
}

/** A recorded GitHub delivery body: its event (the folder) and its bytes. @internal */
export interface GithubFixture {
  readonly name: string;
  readonly event: string;
  readonly body: Buffer;
}

/** Every body under `../shared/fixtures/github-webhooks/EVENT/…json`. @internal */
export function githubFixtures(): GithubFixture[] {
  const root = sharedPath('fixtures', 'github-webhooks');
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(root, d.name)).filter((f) => f.endsWith('.json')).map((f) => join(root, d.name, f)))
    .sort()
    .map((file) => ({ name: relative(root, file), event: relative(root, file).split('/')[0]!, body: readFileSync(file) }));
}

/** One recorded Hugging Face body, parsed. @internal */
export function hfFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(sharedPath('fixtures', 'hf-webhooks', name), 'utf8')) as Record<string, unknown>;
}

/** POSTs a GitHub delivery, signed with `secret` unless a signature is given. @internal */
export async function postGithub(
  url: string,
  body: Buffer | string,
  options: { event: string; delivery: string; secret?: string; signature?: string | null; contentType?: string },
): Promise<Response> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const signature = options.signature === undefined ? await sign(options.secret ?? 'gh-secret', text) : options.signature;
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'x-github-event': options.event,
    'x-github-delivery': options.delivery,
    'user-agent': 'GitHub-Hookshot/test',
  };
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  return fetch(`${url}/v1/webhooks/github`, { method: 'POST', headers, body });
}

/** POSTs a Hugging Face delivery with `secret` in `X-Webhook-Secret` (none when null). @internal */
export async function postHf(url: string, body: unknown, secret: string | null = 'hf-secret'): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (secret !== null) headers['x-webhook-secret'] = secret;
  return fetch(`${url}/v1/webhooks/huggingface`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

/** Jobs of the journal, kind `webhook`, as rows. @internal */
export function webhookJobs(db: Database): { id: number; dedup_key: string; priority: number }[] {
  return db.prepare(`SELECT id, dedup_key, priority FROM jobs WHERE kind = 'webhook' ORDER BY id`).all() as { id: number; dedup_key: string; priority: number }[];
}
