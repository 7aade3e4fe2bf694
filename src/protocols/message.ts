import { Type, type TSchema } from '@sinclair/typebox';

/** Every message is an object discriminated by `type`. */
export interface Message {
  readonly type: string;
}

/** For each askable message type, the type of its reply. */
export type Replies = Record<string, unknown>;

/** Makes a switch over a discriminated union exhaustive: the compiler rejects a missing case. */
export function assertNever(value: never, what = 'message'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}

/** A TypeBox object schema for a message of the given `type` literal. */
export function messageSchema<T extends string, P extends Record<string, TSchema>>(type: T, properties: P) {
  return Type.Object({ type: Type.Literal(type), ...properties }, { $id: undefined, additionalProperties: false });
}
