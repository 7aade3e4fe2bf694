import { dispatch, spawn, stop as stopNact, type Ref } from 'nact';
import type { Logger } from 'pino';
import type { Message, Replies } from '../protocols/message.js';
import { AskTimeoutError, ActorStoppedError, InjectedCrashError, describeError } from '../errors.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import { Fifo } from '../runtime/fifo.js';
import { ActorRef } from './actor-ref.js';
import type { ActorContext, Behavior } from './behavior.js';
import type { ActorStatus, Registry } from './registry.js';

/** How an incarnation ended, as its supervisor hears it. */
export type CellExit =
  | { readonly type: 'failed'; readonly incarnation: number; readonly error: unknown }
  | { readonly type: 'exited'; readonly incarnation: number };

export interface CellEnvironment {
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
}

interface PendingReply {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly timeoutMs: number;
  timer?: TimerHandle;
  settled?: boolean;
}

interface Envelope {
  readonly msg: Message;
  readonly reply: PendingReply | undefined;
  readonly crash?: true;
  /** A wake-up (see `Behavior.coalesce`): while it waits, another of its type is not queued. */
  readonly wakeUp?: true;
  /** Handled already, right after the one before it (see `handle`); nact's copy is then skipped. */
  taken?: true;
}

/** Messages one nact turn may handle back to back while their handlers return at once. */
const MAX_INLINE = 64;

/**
 * One actor across its incarnations: it owns the mailbox (so messages wait while the actor
 * restarts and none is lost to a restart), the counters the actor tree shows, and the nact actor
 * of the current incarnation. A supervisor starts and stops it; the actor's code is its Behavior.
 */
export class ActorCell<M extends Message = Message, R extends Replies = Replies> {
  readonly ref: ActorRef<M, R>;
  status: ActorStatus = 'idle';
  handled = 0;
  restarts = 0;
  inFlight = 0;
  lastError: { name: string; message: string; stack: string; at: number } | undefined;

  private readonly pending = new Fifo<Envelope>();
  /** The types of the wake-ups waiting in `pending`. */
  private readonly wakeUpsWaiting = new Set<string>();
  private incarnation = 0;
  private draining = false;
  private nactRef: Ref<Envelope> | undefined;
  private state: unknown;
  private idleWaiters: (() => void)[] = [];
  private stopRequested = false;
  private onExit: ((exit: CellExit) => void) | undefined;
  private log: Logger;

  path: string;

  constructor(
    readonly id: string,
    readonly kind: 'worker' | 'supervisor',
    private readonly behavior: Behavior<M, any, R>,
    private readonly env: CellEnvironment,
  ) {
    if (!/^[a-z0-9][a-z0-9_-]*$/i.test(id)) throw new Error(`actor id ${JSON.stringify(id)} must be letters, digits, - and _`);
    this.path = id;
    this.ref = new ActorRef<M, R>(this);
    this.log = env.log;
  }

  /** Messages accepted and not yet started. */
  get queued(): number {
    return this.pending.length;
  }

  /** Queued plus in flight: what backpressure watches. */
  get depth(): number {
    return this.pending.length + this.inFlight;
  }

  /** The behaviour's own summary of its current state. */
  summary(): Record<string, unknown> | undefined {
    if (!this.behavior.summary || this.status !== 'running') return undefined;
    try {
      return this.behavior.summary(this.state);
    } catch (error) {
      return { summaryError: describeError(error).message };
    }
  }

  /** Accepts a message; false (and a rejected ask) when the actor is stopped for good. */
  deliver(msg: Message, reply: PendingReply | undefined, crash?: true): boolean {
    if (this.status === 'stopped') {
      this.env.log.debug({ actor: this.path, msgType: msg.type }, 'dead letter');
      return false;
    }
    if (reply) {
      reply.timer = this.env.clock.setTimeout(() => {
        if (reply.settled) return;
        reply.settled = true;
        reply.reject(new AskTimeoutError(this.path, msg.type, reply.timeoutMs));
      }, reply.timeoutMs);
    }
    const wakeUp = !reply && !crash && this.behavior.coalesce?.(msg as M) === true;
    if (wakeUp && this.wakeUpsWaiting.has(msg.type)) return true;
    const envelope: Envelope = crash ? { msg, reply, crash } : wakeUp ? { msg, reply, wakeUp } : { msg, reply };
    if (wakeUp) this.wakeUpsWaiting.add(msg.type);
    this.pending.push(envelope);
    if (this.status === 'running' && this.nactRef) dispatch(this.nactRef, envelope);
    return true;
  }

  /** Makes the current incarnation throw while handling its next message (test hooks). */
  injectCrash(): boolean {
    return this.deliver({ type: '__crash' }, undefined, true);
  }

  /**
   * Starts a new incarnation under `parent` and re-dispatches every message that waited.
   * Rejects when the behaviour's `init` throws; the supervisor treats that as a failure.
   */
  async start(parent: Ref<any>, onExit: (exit: CellExit) => void): Promise<void> {
    const incarnation = ++this.incarnation;
    this.onExit = onExit;
    this.status = 'starting';
    this.draining = false;
    this.stopRequested = false;
    this.env.registry.emit({ type: 'actor.starting', path: this.path, incarnation });
    const ctx = this.context(incarnation, undefined);
    let state: unknown;
    try {
      state = await this.behavior.init(ctx);
    } catch (error) {
      this.recordError(error);
      this.status = 'failed';
      throw error;
    }
    if (this.incarnation !== incarnation) return;
    this.state = state;
    this.nactRef = spawn(parent, (s: unknown, envelope: Envelope) => this.handle(incarnation, s, envelope), this.path.replaceAll('/', '.'), {
      initialState: state,
      onCrash: (_msg: unknown, error: unknown, nctx: { stop: symbol }) => {
        this.crashed(incarnation, error);
        return nctx.stop;
      },
    } as any) as Ref<Envelope>;
    this.status = 'running';
    this.env.registry.emit({ type: 'actor.started', path: this.path, incarnation });
    for (const envelope of this.pending.toArray()) dispatch(this.nactRef, envelope);
  }

  /** Which incarnation is current; exits of earlier ones are stale. */
  get incarnationNumber(): number {
    return this.incarnation;
  }

  /** Places the actor in the tree: its path is its supervisor's path and its id. */
  attach(parentPath: string | undefined): void {
    this.path = parentPath ? `${parentPath}/${this.id}` : this.id;
    this.log = this.env.log.child({ actor: this.path });
  }

  /** The nact actor of the current incarnation. */
  get nact(): Ref<any> | undefined {
    return this.nactRef;
  }

  /**
   * Stops the current incarnation: no new message starts, the one in flight may finish (up to
   * `shutdownMs`), then `terminate` runs and the nact actor stops. Queued messages stay for the
   * next incarnation, unless `final`, when they are answered as dead letters.
   */
  async stop(shutdownMs: number, reason: 'shutdown' | 'restart', final: boolean): Promise<void> {
    // A crashed incarnation still gets `terminate` with its last good state, to release what it held.
    const wasRunning = this.status === 'running' || this.status === 'starting' || this.status === 'failed';
    this.status = final ? 'stopping' : 'restarting';
    this.draining = true;
    if (wasRunning) {
      const deadline = this.env.clock.now() + shutdownMs;
      if (this.inFlight > 0 && !(await this.waitIdle(shutdownMs))) {
        this.env.log.warn({ actor: this.path, shutdownMs }, 'handler still running after shutdownMs; stopping anyway');
      }
      if (this.behavior.terminate) {
        const left = Math.max(1, deadline - this.env.clock.now());
        try {
          await this.withTimeout(Promise.resolve(this.behavior.terminate(this.state, reason)), left);
        } catch (error) {
          this.env.log.warn({ actor: this.path, err: error }, 'terminate failed');
        }
      }
    }
    if (this.nactRef) stopNact(this.nactRef);
    this.nactRef = undefined;
    // A later start must not be confused with this incarnation's late callbacks.
    this.incarnation++;
    if (final) {
      this.status = 'stopped';
      for (const envelope of this.pending.drain()) this.rejectReply(envelope, new ActorStoppedError(this.path, envelope.msg.type));
      this.wakeUpsWaiting.clear();
    }
    this.env.registry.emit({ type: 'actor.stopped', path: this.path, reason: final ? 'shutdown' : reason });
  }

  /** Marks the actor as waiting for a restart (its supervisor decided one). */
  markRestarting(): void {
    if (this.status !== 'stopped') this.status = 'restarting';
  }

  /**
   * nact runs each message in a turn of its own (a setImmediate), so a burst of N messages took N
   * turns of the event loop. After a handler that returned at once, the next queued messages are
   * handled in the same turn (up to MAX_INLINE), in order, one at a time as before; nact's later
   * call for each of them finds it taken and returns.
   */
  private handle(incarnation: number, state: unknown, envelope: Envelope): unknown {
    // A stale or draining incarnation leaves the message queued for the next one.
    if (incarnation !== this.incarnation || this.draining) return state;
    if (envelope.taken) return state;
    let next = this.handleOne(incarnation, state, envelope);
    for (let n = 1; n < MAX_INLINE; n++) {
      if (isPromise(next) || incarnation !== this.incarnation || this.draining || this.stopRequested) break;
      const following = this.pending.peek();
      if (!following) break;
      following.taken = true;
      next = this.handleOne(incarnation, next, following);
    }
    return next;
  }

  private handleOne(incarnation: number, state: unknown, envelope: Envelope): unknown {
    this.pending.shift();
    if (envelope.wakeUp) this.wakeUpsWaiting.delete(envelope.msg.type);
    this.inFlight = 1;
    const ctx = this.context(incarnation, envelope.reply);
    let result: unknown;
    try {
      if (envelope.crash) throw new InjectedCrashError(this.path);
      result = this.behavior.receive(state, envelope.msg as M, ctx);
    } catch (error) {
      this.finish(incarnation, envelope, error);
      throw error;
    }
    if (isPromise(result)) {
      return (result as Promise<unknown>).then(
        (next) => {
          this.finish(incarnation, envelope, undefined, next);
          return next;
        },
        (error) => {
          this.finish(incarnation, envelope, error);
          throw error;
        },
      );
    }
    this.finish(incarnation, envelope, undefined, result);
    return result;
  }

  private finish(incarnation: number, envelope: Envelope, error: unknown, next?: unknown): void {
    if (incarnation !== this.incarnation) return;
    this.inFlight = 0;
    if (error === undefined) {
      this.handled++;
      this.state = next;
    } else {
      this.rejectReply(envelope, error);
    }
    if (this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
    if (error === undefined && this.stopRequested && !this.draining) {
      this.draining = true;
      this.onExit?.({ type: 'exited', incarnation });
    }
  }

  private crashed(incarnation: number, error: unknown): void {
    if (incarnation !== this.incarnation) return;
    // From here new messages wait in the cell; the nact actor is about to stop.
    this.draining = true;
    this.status = 'failed';
    this.recordError(error);
    this.env.log.error({ actor: this.path, err: error }, 'actor crashed');
    this.env.registry.emit({ type: 'actor.failed', path: this.path, incarnation, error: describeError(error) });
    this.onExit?.({ type: 'failed', incarnation, error });
  }

  private recordError(error: unknown): void {
    this.lastError = { ...describeError(error), at: this.env.clock.now() };
  }

  private rejectReply(envelope: Envelope, error: unknown): void {
    const reply = envelope.reply;
    if (!reply || reply.settled) return;
    reply.settled = true;
    if (reply.timer) this.env.clock.clearTimeout(reply.timer);
    reply.reject(error);
  }

  private context(incarnation: number, reply: PendingReply | undefined): ActorContext<M, R> {
    const cell = this;
    return {
      self: this.ref,
      path: this.path,
      log: this.log,
      clock: this.env.clock,
      reply(value) {
        if (!reply || reply.settled) return;
        reply.settled = true;
        if (reply.timer) cell.env.clock.clearTimeout(reply.timer);
        reply.resolve(value);
      },
      stopSelf() {
        if (incarnation === cell.incarnation) cell.stopRequested = true;
      },
    };
  }

  private waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return this.withTimeout(new Promise<void>((resolve) => this.idleWaiters.push(resolve)), timeoutMs).then(
      () => true,
      () => false,
    );
  }

  private withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.env.clock.setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      promise.then(
        (v) => {
          this.env.clock.clearTimeout(timer);
          resolve(v);
        },
        (e) => {
          this.env.clock.clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as Promise<unknown>).then === 'function';
}
