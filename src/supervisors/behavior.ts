import type { Logger } from 'pino';
import type { Message, Replies } from '../protocols/message.js';
import type { Clock } from '../runtime/clock.js';
import type { ActorRef } from './actor-ref.js';

/** What a handler can do besides returning its next state. */
export interface ActorContext<M extends Message, R extends Replies = Replies> {
  readonly self: ActorRef<M, R>;
  readonly path: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Answers the `ask` that sent the message being handled (a no-op for a plain `tell`). */
  reply(value: R[keyof R]): void;
  /** Ends this actor normally once the current handler returns (transient children stay down). */
  stopSelf(): void;
}

/**
 * An actor's behaviour: how it starts, handles one message at a time, and cleans up.
 * Handlers may be async; the runtime never runs two of them for one actor at once.
 */
export interface Behavior<M extends Message, S, R extends Replies = Replies> {
  /** Builds the state of a new incarnation (first start and every restart). */
  init(ctx: ActorContext<M, R>): S | Promise<S>;
  /** Handles one message and returns the next state. Throwing crashes this incarnation. */
  receive(state: S, msg: M, ctx: ActorContext<M, R>): S | Promise<S>;
  /** Releases what the incarnation holds; bounded by the child's `shutdownMs`. */
  terminate?(state: S, reason: 'shutdown' | 'restart'): void | Promise<void>;
  /** A small summary of the state for the actor tree (counts, cursors, flags). */
  summary?(state: S): Record<string, unknown>;
  /**
   * Whether `msg` only wakes the actor up (it carries nothing else): a `tell` of it while one of
   * its type still waits in the mailbox is dropped, since that one will do. Without this, a
   * producer's nudge per item grew the mailbox by one message per item for as long as the actor
   * was behind, and anything sent after them (a stop, an injected crash) waited behind them all.
   */
  coalesce?(msg: M): boolean;
}
