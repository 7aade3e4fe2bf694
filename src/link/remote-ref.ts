import type { TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import type { Message, Replies } from '../protocols/message.js';
import type { PeerSession } from './peer-session.js';

declare const messages: unique symbol;

/**
 * A typed reference to an actor on another node: like `ActorRef<M, R>`, sending a message the
 * actor does not take does not compile. The link checks replies against the actor's protocol.
 */
export class RemoteRef<M extends Message, R extends Replies = Replies> {
  declare readonly [messages]: (message: M, replies: R) => void;

  /** @internal built by `LinkNode.remote` */
  constructor(
    readonly session: PeerSession,
    /** `node/actor` */
    readonly path: string,
    readonly replyChecks: ReadonlyMap<string, TypeCheck<TSchema>>,
  ) {}

  get node(): string {
    return this.session.name;
  }
}

/** Sends `msg` to the remote actor: delivered at least once (and once to the actor), waiting while its node is down. @throws LinkBackpressureError */
export function tellRemote<M extends Message>(ref: RemoteRef<M, any>, msg: NoInfer<M>): void {
  ref.session.tell(ref.path, msg);
}

/**
 * Asks the remote actor and resolves with its reply. Rejects with LinkPeerDownError at once when
 * its node is down (or goes down before answering), LinkAskTimeoutError after `timeoutMs`, and
 * LinkRemoteError when the actor answers an error or a reply its protocol does not allow.
 */
export function askRemote<M extends Message, R extends Replies, T extends M['type'] & keyof R>(
  ref: RemoteRef<M, R>,
  msg: M & { readonly type: T },
  timeoutMs: number,
): Promise<R[T]> {
  return ref.session.ask(ref.path, msg, timeoutMs, ref.replyChecks.get(msg.type)) as Promise<R[T]>;
}
