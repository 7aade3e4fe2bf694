import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from 'better-sqlite3';
import { touchApiKey, verifyApiKey } from '../auth/api-keys.js';
import { grants, type Scope } from '../auth/scopes.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's key, when it sent a valid one. */
    apiKey?: { id: string; scopes: Scope[] };
    /** Why the key it sent was refused (it is refused only where a key is needed). */
    apiKeyProblem?: string;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are open (health, readiness). */
    scope?: Scope;
  }
}

export interface AuthOptions {
  readonly db: Database;
  /** Reads (`read` scope) need no key. */
  readonly openReads: boolean;
  /** Requests per minute for a key, and for each address without one. */
  readonly perMinuteKeyed: number;
  readonly perMinuteAnonymous: number;
}

function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : '';
}

/**
 * API keys and rate limits, on the root instance so every route gets them: the key is checked
 * first, then the caller's rate (per key, or per address without one, so guessing keys is
 * throttled too), then the route's scope, all before the body is read.
 */
export async function installAuth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  // Last-used times are kept to the minute: the in-memory note spares reads a write to SQLite.
  const touched = new Map<string, number>();
  app.addHook('onRequest', async (req) => {
    const key = bearer(req);
    if (key === undefined) return;
    const verified = key ? verifyApiKey(options.db, key) : undefined;
    if (verified) {
      req.apiKey = verified;
      const now = Date.now();
      if (now - (touched.get(verified.id) ?? 0) >= 60_000) {
        touched.set(verified.id, now);
        touchApiKey(options.db, verified.id, now);
      }
    } else {
      req.apiKeyProblem = key ? 'the API key is not valid (unknown, revoked or malformed)' : 'the Authorization header must be "Bearer <key>"';
    }
  });

  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    max: (req) => (req.apiKey ? options.perMinuteKeyed : options.perMinuteAnonymous),
    keyGenerator: (req) => (req.apiKey ? `key:${req.apiKey.id}` : `ip:${req.ip}`),
    errorResponseBuilder: (_req, context) => ({
      statusCode: 429,
      code: 'PAPERD_RATE_LIMITED',
      error: 'PAPERD_RATE_LIMITED',
      message: `rate limit of ${context.max} requests a minute exceeded; retry in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });

  app.addHook('onRequest', async (req, reply) => {
    const needed = req.routeOptions.config?.scope;
    if (!needed || (needed === 'read' && options.openReads && !req.apiKeyProblem)) return;
    if (!req.apiKey) {
      void reply.header('www-authenticate', 'Bearer realm="paperd"');
      throw new UnauthorizedError(req.apiKeyProblem ?? `this route needs an API key with the ${needed} scope (Authorization: Bearer <key>)`);
    }
    if (!grants(req.apiKey.scopes, needed)) throw new ForbiddenError(`key ${req.apiKey.id} has scopes ${req.apiKey.scopes.join(', ')}; this route needs ${needed}`);
  });
}
