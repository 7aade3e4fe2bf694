import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { Registry as PromRegistry } from 'prom-client';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { createApiKey, revokeApiKey } from '../src/auth/api-keys.js';
import { buildApi } from '../src/api/server.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { ActorSystem } from '../src/supervisors/index.js';
import { tempDataDir } from './support/node-process.js';

/** An API on loopback with the test hook on (an admin route), its log captured. */
async function startApi(options: { openReads?: boolean; perKey?: number; perAddress?: number } = {}) {
  const db = openDatabase(join(tempDataDir(), 'paperd.sqlite'));
  const logged: string[] = [];
  const log = pino({ level: 'trace' }, new Writable({ write: (chunk, _enc, done) => (logged.push(String(chunk)), done()) }));
  const system = new ActorSystem();
  await system.start(system.supervisor('root', []), () => {});
  const app: FastifyInstance = await buildApi({
    log, node: 'single', registry: system.registry, db, prom: new PromRegistry(), isReady: () => true, testHooks: true,
    bodyLimitBytes: 1 << 20, version: 'test',
    auth: { openReads: options.openReads ?? true, perMinuteKeyed: options.perKey ?? 1000, perMinuteAnonymous: options.perAddress ?? 1000 },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { db, url, logged, close: async () => (await app.close(), await system.shutdown(), db.close()) };
}

const crashRoot = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/test/crash`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ path: 'nowhere' }) });

describe('API keys and scopes', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  afterEach(async () => api?.close());

  it('refuses a state-changing route without a key (401, with WWW-Authenticate) and with too small a scope (403)', async () => {
    api = await startApi();
    const none = await crashRoot(api.url);
    expect(none.status).to.equal(401);
    expect(none.headers.get('www-authenticate')).to.match(/^Bearer/);
    expect(await none.json()).to.include({ error: 'PAPERD_UNAUTHORIZED' });
    const reader = createApiKey(api.db, ['read']);
    const writer = createApiKey(api.db, ['write']);
    for (const key of [reader, writer]) {
      const refused = await crashRoot(api.url, { authorization: `Bearer ${key.key}` });
      expect(refused.status, key.scopes.join()).to.equal(403);
      expect(await refused.json()).to.include({ error: 'PAPERD_FORBIDDEN' });
    }
    const admin = createApiKey(api.db, ['admin']);
    const allowed = await crashRoot(api.url, { authorization: `Bearer ${admin.key}` });
    // Past auth: the route itself answers (no actor at that path).
    expect(allowed.status).to.equal(404);
  });

  it('refuses unknown, revoked and malformed keys with 401, even on open reads', async () => {
    api = await startApi();
    const admin = createApiKey(api.db, ['admin']);
    revokeApiKey(api.db, admin.id);
    const forged = admin.key.slice(0, -4) + 'AAAA';
    for (const header of [`Bearer ${admin.key}`, `Bearer ${forged}`, 'Bearer pdk_nope', 'Basic dXNlcjpwYXNz', 'Bearer']) {
      expect((await crashRoot(api.url, { authorization: header })).status, header).to.equal(401);
      expect((await fetch(`${api.url}/v1/actors`, { headers: { authorization: header } })).status, header).to.equal(401);
    }
    expect((await fetch(`${api.url}/v1/actors`)).status).to.equal(200);
  });

  it('keeps reads closed when configured, and open health and readiness either way', async () => {
    api = await startApi({ openReads: false });
    expect((await fetch(`${api.url}/v1/actors`)).status).to.equal(401);
    expect((await fetch(`${api.url}/metrics`)).status).to.equal(401);
    expect((await fetch(`${api.url}/health`)).status).to.equal(200);
    expect((await fetch(`${api.url}/ready`)).status).to.equal(200);
    const reader = createApiKey(api.db, ['read']);
    expect((await fetch(`${api.url}/v1/actors`, { headers: { authorization: `Bearer ${reader.key}` } })).status).to.equal(200);
  });

  it('never writes a key to the log, even when the request fails', async () => {
    api = await startApi();
    const admin = createApiKey(api.db, ['admin']);
    const reader = createApiKey(api.db, ['read']);
    await crashRoot(api.url, { authorization: `Bearer ${admin.key}` });
    await crashRoot(api.url, { authorization: `Bearer ${reader.key}` });
    await fetch(`${api.url}/v1/test/crash`, { method: 'POST', headers: { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json' }, body: '{bad json' });
    // `pdk_<id>_<secret>`: the secret is base64url and may itself hold underscores.
    const secretOf = (key: string) => key.split('_').slice(2).join('_');
    expect(api.logged.length).to.be.greaterThan(0);
    for (const line of api.logged) {
      expect(line).to.not.contain(secretOf(admin.key));
      expect(line).to.not.contain(secretOf(reader.key));
    }
  });

  it('rate-limits each key on its own, answering 429 with Retry-After', async () => {
    api = await startApi({ perKey: 5, perAddress: 100 });
    const a = createApiKey(api.db, ['read']);
    const b = createApiKey(api.db, ['read']);
    const get = (key: string) => fetch(`${api.url}/v1/actors`, { headers: { authorization: `Bearer ${key}` } });
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await get(a.key)).status);
    expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 429, 429]);
    const limited = await get(a.key);
    expect(limited.headers.get('retry-after')).to.match(/^\d+$/);
    expect(await limited.json()).to.include({ error: 'PAPERD_RATE_LIMITED' });
    expect((await get(b.key)).status, 'another key has its own budget').to.equal(200);
  });
});
