import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { WebPageNotBuiltError } from '../../errors.js';

/** Where `npm run build:web` (Vite) writes the page: gitignored, built on demand by `npm start` and `npm test`. */
export const defaultWebDir = fileURLToPath(new URL('../../../dist/web', import.meta.url));

export interface WebRouteDeps {
  /** The built page (index.html and assets/); defaults to dist/web of this checkout. */
  readonly webDir?: string;
}

/**
 * Only the page's own files: no inline script or style, no other origin (the API is same-origin),
 * no framing. Hashed assets need nothing else, so the policy can be this strict.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The page's client-side routes: each answers index.html, and the page draws the view. */
const PAGE_ROUTES = ['/', '/paper/*', '/system'];

/**
 * The web page: hashed assets under /assets/ (cached for good), index.html for the page's own
 * routes. Anything else, `/v1/*` above all, still reaches the API's JSON 404.
 */
export const webRoutes: FastifyPluginAsync<WebRouteDeps> = async (app, deps) => {
  const dir = deps.webDir ?? defaultWebDir;

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  if (existsSync(join(dir, 'assets'))) {
    await app.register(fastifyStatic, {
      root: join(dir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      // File names carry a hash of their content: a new build has new names.
      maxAge: '365d',
      immutable: true,
    });
  }

  for (const url of PAGE_ROUTES) {
    app.get(url, { schema: { hide: true } }, async (_req, reply) => {
      let html: string;
      try {
        // Read at each request, so a rebuild is served without a restart; the file is a few hundred bytes.
        html = await readFile(join(dir, 'index.html'), 'utf8');
      } catch (error) {
        throw new WebPageNotBuiltError(dir, { cause: error });
      }
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
    });
  }
};
