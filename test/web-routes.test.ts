import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry as PromRegistry } from 'prom-client';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildApi, type ApiDeps } from '../src/api/server.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { ActorSystem } from '../src/supervisors/index.js';
import { ensureWebBuilt } from '../web/build.js';
import { tempDataDir } from './support/node-process.js';

/** The API on a fresh store; closing it removes the store. */
async function api(system: ActorSystem, web?: ApiDeps['web']): Promise<{ app: FastifyInstance; url: string }> {
  const dataDir = tempDataDir();
  const db = openDatabase(join(dataDir, 'paperd.sqlite'));
  const app = await buildApi({
    log: pino({ level: 'silent' }), node: 'single', registry: system.registry, db, prom: new PromRegistry(),
    isReady: () => true, testHooks: false, bodyLimitBytes: 1 << 20, version: 'test', auth: { openReads: true, perMinuteKeyed: 100_000, perMinuteAnonymous: 100_000 },
    ...(web ? { web } : {}),
  });
  app.addHook('onClose', async () => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}

describe('the web page as the API serves it', function () {
  this.timeout(120_000);
  let system: ActorSystem;
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    await ensureWebBuilt({ quiet: true });
    system = new ActorSystem();
    await system.start(system.supervisor('root', []), () => {});
    ({ app, url } = await api(system));
  });
  after(async () => {
    await app?.close();
    await system?.shutdown();
  });

  it('serves index.html at / with a strict CSP, and every script it loads is a file of its own origin', async () => {
    const res = await fetch(`${url}/`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).to.include("default-src 'self'").and.include("script-src 'self'").and.include("object-src 'none'");
    expect(csp).not.to.include('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).to.be.greaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs, 'a script with a src').to.match(/\bsrc="\/assets\/[\w.-]+\.js"/);
      expect(body!.trim(), 'no inline script').to.equal('');
    }
    expect(html).not.to.match(/\sstyle=|<style/);
    expect(html).not.to.match(/https?:\/\//); // no CDN, no other origin at run time
  });

  it('serves the hashed assets with their types, cached for good', async () => {
    const html = await (await fetch(`${url}/`)).text();
    const js = /src="(\/assets\/[\w.-]+\.js)"/.exec(html)![1]!;
    const css = /href="(\/assets\/[\w.-]+\.css)"/.exec(html)![1]!;
    const script = await fetch(`${url}${js}`);
    expect(script.status).to.equal(200);
    expect(script.headers.get('content-type')).to.match(/javascript/);
    expect(script.headers.get('cache-control')).to.include('immutable');
    expect((await script.text()).length).to.be.greaterThan(1000);
    const style = await fetch(`${url}${css}`);
    expect(style.headers.get('content-type')).to.match(/^text\/css/);
  });

  it('answers index.html for the page routes, so a shared link opens the view', async () => {
    const index = await (await fetch(`${url}/`)).text();
    for (const path of ['/paper/2401.00001', `/paper/${encodeURIComponent('hep-th/9901001')}`, '/system', '/?q=attention&category=cs.CL']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).to.equal(200);
      expect(await res.text(), path).to.equal(index);
    }
  });

  it('leaves the API its JSON 404s: /v1/*, unknown pages, missing assets, and paths that climb out', async () => {
    for (const path of ['/v1/nothing-here', '/v1/papers', '/nothing-here', '/assets/missing.js', '/assets/../package.json', '/assets/%2e%2e/%2e%2e/package.json']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).to.equal(404);
      expect(((await res.json()) as { error: string }).error, path).to.equal('PAPERD_NOT_FOUND');
    }
  });

  it('says the page is not built, and how to build it, when its files are missing', async () => {
    const emptyDir = tempDataDir();
    const bare = await api(system, { webDir: emptyDir });
    try {
      const res = await fetch(`${bare.url}/`);
      expect(res.status).to.equal(503);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).to.equal('PAPERD_WEB_NOT_BUILT');
      expect(body.message).to.include('npm run build:web');
      expect((await fetch(`${bare.url}/health`)).status).to.equal(200);
    } finally {
      await bare.app.close();
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});
