import type { Message, Replies } from '../protocols/message.js';
import { ActorStoppedError } from '../errors.js';
import type { ActorCell } from './cell.js';

declare const messages: unique symbol;

/**
 * A typed reference to an actor. The message type is enforced by the compiler (nact's `Ref<T>`
 * checks nothing), and the reference stays valid across restarts: it names the actor, not one
 * incarnation of it.
 */
export class ActorRef<M extends Message, R extends Replies = Replies> {
  /** Phantom: makes refs contravariant in M, so a ref to one protocol is not a ref to another. */
  declare readonly [messages]: (message: M, replies: R) => void;

  /** @internal built by the runtime */
  constructor(readonly cell: ActorCell<M, R>) {}

  get path(): string {
    return this.cell.path;
  }
}

/** Sends `msg` to `ref` and returns at once. Returns false when the actor is stopped for good. */
export function tell<M extends Message>(ref: ActorRef<M, any>, msg: NoInfer<M>): boolean {
  return ref.cell.deliver(msg, undefined);
}

/**
 * Sends `msg` and waits for the handler's `ctx.reply`, rejecting with `AskTimeoutError` after
 * `timeoutMs`, with the handler's error if it crashes, or `ActorStoppedError` if it is stopped.
 */
export function ask<M extends Message, R extends Replies, T extends M['type'] & keyof R>(
  ref: ActorRef<M, R>,
  msg: M & { readonly type: T },
  timeoutMs: number,
): Promise<R[T]> {
  return new Promise<R[T]>((resolve, reject) => {
    const accepted = ref.cell.deliver(msg, { resolve: resolve as (v: unknown) => void, reject, timeoutMs });
    if (!accepted) reject(new ActorStoppedError(ref.path, msg.type));
  });
}
