import { start as startNact, stop as stopNact } from 'nact';
import type { Logger } from 'pino';
import type { Message, Replies } from '../protocols/message.js';
import type { SupervisorMessage } from '../protocols/supervision.js';
import { systemClock, type Clock, type Random } from '../runtime/clock.js';
import { silentLogger } from '../runtime/logger.js';
import type { ActorRef } from './actor-ref.js';
import { defaultBackoff, type BackoffPolicy } from './backoff.js';
import type { Behavior } from './behavior.js';
import { ActorCell } from './cell.js';
import type { ChildOptions, ChildSpec, Strategy } from './child-spec.js';
import { Registry } from './registry.js';
import type { RestartLog } from './restart-log.js';
import { supervisorBehavior } from './supervisor.js';

export interface ActorSystemOptions {
  readonly name?: string;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly log?: Logger;
  readonly restartLog?: RestartLog;
}

export interface SupervisorOptions extends ChildOptions {
  readonly strategy?: Strategy;
  readonly intensity?: number;
  readonly periodMs?: number;
  readonly backoff?: Partial<BackoffPolicy>;
}

/** A child spec together with the typed ref of the actor it starts. */
export type SpecWithRef<M extends Message, R extends Replies = Replies> = ChildSpec & { readonly ref: ActorRef<M, R> };

/**
 * One node's actor system: nact underneath, our supervision, registry and restart log on top.
 * Build the tree with `worker` and `supervisor`, then `start` its root.
 */
export class ActorSystem {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Logger;
  readonly restartLog: RestartLog;
  private readonly nact;
  private root: ChildSpec | undefined;

  constructor(options: ActorSystemOptions = {}) {
    this.clock = options.clock ?? systemClock();
    this.random = options.random ?? Math.random;
    this.log = options.log ?? silentLogger();
    this.restartLog = options.restartLog ?? { record: () => {} };
    this.registry = new Registry(() => this.clock.now());
    this.nact = startNact(options.name ?? 'paperd');
  }

  /** A worker actor: `behavior` runs in it, restarted as `options.restart` says (default permanent). */
  worker<M extends Message, S, R extends Replies = Replies>(id: string, behavior: Behavior<M, S, R>, options: ChildOptions = {}): SpecWithRef<M, R> {
    const cell = new ActorCell<M, R>(id, 'worker', behavior, this.env());
    return { id, start: cell, restart: options.restart ?? 'permanent', shutdownMs: options.shutdownMs ?? 5_000, ref: cell.ref };
  }

  /** A supervisor over `children`, started in order and stopped in reverse. */
  supervisor(id: string, children: readonly ChildSpec[], options: SupervisorOptions = {}): SpecWithRef<SupervisorMessage> {
    const spec = {
      strategy: options.strategy ?? 'one_for_one',
      intensity: options.intensity ?? 5,
      periodMs: options.periodMs ?? 60_000,
      backoff: { ...defaultBackoff, ...options.backoff },
      children,
    };
    const ids = new Set<string>();
    for (const child of children) {
      if (ids.has(child.id)) throw new Error(`supervisor ${id} has two children named ${child.id}`);
      ids.add(child.id);
    }
    const behavior = supervisorBehavior(spec, { ...this.env(), random: this.random, restartLog: this.restartLog, spawnParent: this.nact });
    const cell = new ActorCell<SupervisorMessage>(id, 'supervisor', behavior, this.env());
    return { id, start: cell, restart: options.restart ?? 'permanent', shutdownMs: options.shutdownMs ?? 30_000, ref: cell.ref };
  }

  /**
   * Starts the tree under `root`. When the root supervisor gives up, the failure is logged and
   * recorded, and `onGiveUp` decides what the process does (the node exits non-zero).
   */
  async start(root: ChildSpec, onGiveUp: (error: unknown) => void): Promise<void> {
    this.root = root;
    root.start.attach(undefined);
    this.registry.add(root.start, undefined);
    await root.start.start(this.nact, (exit) => {
      if (exit.type === 'failed') onGiveUp(exit.error);
    });
  }

  /** Stops the whole tree, children in reverse start order, each within its shutdownMs. */
  async shutdown(): Promise<void> {
    if (this.root) await this.root.start.stop(this.root.shutdownMs, 'shutdown', true);
    stopNact(this.nact);
  }

  private env() {
    return { clock: this.clock, log: this.log, registry: this.registry };
  }
}
