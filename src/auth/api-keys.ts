import type { Database } from 'better-sqlite3';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadInputError, NotFoundError } from '../errors.js';
import { SCOPES, isScope, type Scope } from './scopes.js';

/** A key as stored and listed: never its secret. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly scopes: Scope[];
  readonly label: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** A key just made: the only time its full text exists outside the caller's hands. */
export interface CreatedApiKey {
  readonly id: string;
  readonly key: string;
  readonly scopes: Scope[];
}

const KEY_FORMAT = /^pdk_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Makes a key: `pdk_<id>_<secret>`, 256 random bits of secret. Only the SHA-256 of the secret is
 * stored (the secret is random, so a slow password hash would add nothing but latency).
 */
export function createApiKey(db: Database, scopes: readonly string[], label?: string, now = Date.now()): CreatedApiKey {
  const unknown = scopes.filter((s) => !isScope(s));
  if (scopes.length === 0 || unknown.length > 0) throw new BadInputError(`scopes must be some of ${SCOPES.join(', ')}${unknown.length ? `; not ${unknown.join(', ')}` : ''}`);
  const id = randomBytes(8).toString('hex').slice(0, 10);
  const secret = randomBytes(32).toString('base64url');
  const unique = [...new Set(scopes)] as Scope[];
  db.prepare('INSERT INTO api_keys (id, secret_sha256, scopes, label, created_at) VALUES (?, ?, ?, ?, ?)').run(id, sha256(secret), JSON.stringify(unique), label ?? null, now);
  return { id, key: `pdk_${id}_${secret}`, scopes: unique };
}

/** The key's id and scopes if it is well formed, known, not revoked and its secret matches. */
export function verifyApiKey(db: Database, key: string): { id: string; scopes: Scope[] } | undefined {
  const match = KEY_FORMAT.exec(key);
  if (!match) return undefined;
  const [, id, secret] = match;
  const row = db.prepare('SELECT secret_sha256, scopes, revoked_at FROM api_keys WHERE id = ?').get(id) as { secret_sha256: string; scopes: string; revoked_at: number | null } | undefined;
  if (!row || row.revoked_at !== null) return undefined;
  const expected = Buffer.from(row.secret_sha256, 'hex');
  const actual = Buffer.from(sha256(secret!), 'hex');
  if (!timingSafeEqual(expected, actual)) return undefined;
  return { id: id!, scopes: JSON.parse(row.scopes) as Scope[] };
}

/** Marks a key used (at most one write a minute per key, so reads stay reads). */
export function touchApiKey(db: Database, id: string, now = Date.now()): void {
  db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)').run(now, id, now - 60_000);
}

export function listApiKeys(db: Database): ApiKeyInfo[] {
  const rows = db.prepare('SELECT id, scopes, label, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at').all() as {
    id: string; scopes: string; label: string | null; created_at: number; last_used_at: number | null; revoked_at: number | null;
  }[];
  return rows.map((r) => ({ id: r.id, scopes: JSON.parse(r.scopes) as Scope[], label: r.label, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
}

export function revokeApiKey(db: Database, id: string, now = Date.now()): void {
  const changed = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes;
  if (changed === 0) throw new NotFoundError(`no active key ${id}`);
}
