import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { LINK_PROTOCOL_VERSION, LinkControl, LinkEnvelope, type LinkControlType } from '../protocols/link.js';

/** Why an arriving frame was dropped; each reason is a metric label. */
export type DropReason = 'frames' | 'oversized' | 'version' | 'envelope' | 'sender' | 'recipient' | 'type' | 'body' | 'expired';

export type Decoded =
  | { readonly ok: true; readonly envelope: LinkEnvelope; readonly body: unknown }
  | { readonly ok: false; readonly reason: DropReason; readonly detail: string };

const checkEnvelope = TypeCompiler.Compile(LinkEnvelope);
const controlChecks = new Map<string, TypeCheck<TSchema>>(Object.entries(LinkControl).map(([type, schema]) => [type, TypeCompiler.Compile(schema)]));
const version = Buffer.from(LINK_PROTOCOL_VERSION);
/** The version frame every ZeroMQ message of the link starts with. */
export const VERSION_FRAME = version;

/** A frame to send: ZeroMQ takes strings as UTF-8 without a Buffer made for each. */
export type OutFrame = Buffer | string;

/** The three frames of a message: version, envelope (JSON object), body (JSON). */
export function encodeFrames(envelope: LinkEnvelope, body: unknown): [Buffer, string, string] {
  return [version, JSON.stringify(envelope), JSON.stringify(body ?? null)];
}

function parseJson(frame: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(frame.toString('utf8')) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Is `type` one of the link's own messages? */
export function isControlType(type: string): type is LinkControlType {
  return controlChecks.has(type);
}

type DecodeOptions = { readonly routingId?: string; readonly self: string; readonly maxBytes: number };

/**
 * Reads one message's frames (after any routing id) and checks what can be checked without
 * knowing the recipient actor: frame count, size, version, the envelope against its schema, the
 * sender against the connection's routing id, and control bodies against theirs. Application
 * bodies are checked by the exporting actor's protocol (`checkBody`).
 */
export function decodeFrames(frames: readonly Buffer[], options: DecodeOptions): Decoded {
  if (frames.length !== 3) return { ok: false, reason: 'frames', detail: `expected 3 frames, got ${frames.length}` };
  return decodeMessages(frames, options)[0]!;
}

/**
 * Reads a ZeroMQ message of the link: three frames, version, envelope, body; or, for a batch (what
 * a sender queued to one peer in one turn of the event loop), version, a JSON array of envelopes
 * and a JSON array of their bodies. A message whose frame count, size, version or batch shape is
 * wrong is one drop; each envelope and body is checked on its own.
 */
export function decodeMessages(frames: readonly Buffer[], options: DecodeOptions): Decoded[] {
  if (frames.length !== 3) return [{ ok: false, reason: 'frames', detail: `expected 3 frames (version, envelope, body), got ${frames.length}` }];
  const size = frames[0]!.length + frames[1]!.length + frames[2]!.length;
  if (size > options.maxBytes) return [{ ok: false, reason: 'oversized', detail: `${size} bytes is over the limit of ${options.maxBytes}` }];
  if (!frames[0]!.equals(version)) return [{ ok: false, reason: 'version', detail: `protocol version ${JSON.stringify(frames[0]!.toString('utf8').slice(0, 16))}, expected ${LINK_PROTOCOL_VERSION}` }];
  const env = parseJson(frames[1]!);
  if (!env.ok) return [{ ok: false, reason: 'envelope', detail: `envelope is not JSON: ${env.error}` }];
  const body = parseJson(frames[2]!);
  if (!Array.isArray(env.value)) return [decodePair(env.value, body, options)];
  if (!body.ok || !Array.isArray(body.value) || body.value.length !== env.value.length || env.value.length === 0) {
    return [{ ok: false, reason: 'frames', detail: `a batch of ${env.value.length} envelopes needs as many bodies` }];
  }
  const bodies = body.value;
  return env.value.map((e, i) => decodePair(e, { ok: true, value: bodies[i] }, options));
}

function decodePair(value: unknown, body: ReturnType<typeof parseJson>, options: DecodeOptions): Decoded {
  if (!checkEnvelope.Check(value)) {
    const first = checkEnvelope.Errors(value).First();
    return { ok: false, reason: 'envelope', detail: `envelope ${first ? `${first.path || '/'}: ${first.message}` : 'is invalid'}` };
  }
  const envelope = value;
  if (options.routingId !== undefined && envelope.from !== options.routingId) {
    return { ok: false, reason: 'sender', detail: `envelope says from ${envelope.from} on the connection of ${options.routingId}` };
  }
  const node = envelope.to.split('/', 1)[0];
  if (node !== options.self) return { ok: false, reason: 'recipient', detail: `addressed to ${envelope.to}, this node is ${options.self}` };
  if (!body.ok) return { ok: false, reason: 'body', detail: `body is not JSON: ${body.error}` };
  const control = controlChecks.get(envelope.type);
  if (control && !control.Check(body.value)) {
    const first = control.Errors(body.value).First();
    return { ok: false, reason: 'body', detail: `${envelope.type} body ${first ? `${first.path || '/'}: ${first.message}` : 'is invalid'}` };
  }
  return { ok: true, envelope, body: body.value };
}

/** The frames of a batch of encoded messages (each `[version, envelope, body]`): one message as it is, several as arrays. */
export function batchFrames(envelopes: readonly string[], bodies: readonly string[]): [Buffer, string, string] {
  if (envelopes.length === 1) return [version, envelopes[0]!, bodies[0]!];
  return [version, `[${envelopes.join(',')}]`, `[${bodies.join(',')}]`];
}

/** Checks `value` against `check`, naming the first error. */
export function checkBody(check: TypeCheck<TSchema>, value: unknown, what: string): { ok: true } | { ok: false; detail: string } {
  if (check.Check(value)) return { ok: true };
  const first = check.Errors(value).First();
  return { ok: false, detail: `${what} ${first ? `${first.path || '/'}: ${first.message}` : 'is invalid'}` };
}
