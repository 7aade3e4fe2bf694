import { createHash, timingSafeEqual } from 'node:crypto';
import { verify } from '@octokit/webhooks-methods';

const SIGNATURE_256 = /^sha256=[0-9a-f]{64}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Why a GitHub signature header cannot even be checked, or undefined when it has the right form. */
export function githubSignatureProblem(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return 'no X-Hub-Signature-256 header';
  if (!SIGNATURE_256.test(header)) return 'X-Hub-Signature-256 is not "sha256=" and 64 hex digits';
  return undefined;
}

/**
 * Whether `header` is GitHub's HMAC-SHA256 of the raw body under `secret`, compared in constant
 * time. The library signs strings, so the bytes must be UTF-8 that decodes and encodes back to
 * themselves; anything else could verify a body other than the one received, and is refused.
 */
export async function githubSignatureValid(secret: string, raw: Buffer, header: string): Promise<boolean> {
  if (!secret || raw.length === 0 || githubSignatureProblem(header)) return false;
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return false;
  }
  return verify(secret, text, header);
}

/**
 * Whether the `X-Webhook-Secret` Hugging Face sent is the configured one, in constant time: both
 * are hashed first so that the comparison is between equal lengths and leaks neither.
 */
export function huggingfaceSecretValid(secret: string, header: string | undefined): boolean {
  if (!secret || header === undefined || header === '') return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(secret), digest(header));
}
