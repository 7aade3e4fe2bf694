import type { ActorCell } from './cell.js';

export type ActorStatus = 'idle' | 'starting' | 'running' | 'failed' | 'restarting' | 'stopping' | 'stopped';

/** What the inspection stream says: one event per lifecycle change. */
export type InspectionEvent =
  | { readonly type: 'actor.starting'; readonly path: string; readonly incarnation: number }
  | { readonly type: 'actor.started'; readonly path: string; readonly incarnation: number }
  | { readonly type: 'actor.failed'; readonly path: string; readonly incarnation: number; readonly error: { name: string; message: string } }
  | { readonly type: 'actor.stopped'; readonly path: string; readonly reason: 'shutdown' | 'restart' }
  | { readonly type: 'actor.restarting'; readonly path: string; readonly attempt: number; readonly delayMs: number }
  | { readonly type: 'supervisor.gave_up'; readonly path: string; readonly restarts: number };

export type InspectionObserver = (event: InspectionEvent & { readonly at: number }) => void;

/** One actor as the tree shows it. */
export interface ActorNode {
  readonly path: string;
  readonly name: string;
  readonly kind: 'worker' | 'supervisor';
  readonly status: ActorStatus;
  readonly depth: number;
  readonly queued: number;
  readonly inFlight: number;
  readonly handled: number;
  readonly restarts: number;
  readonly lastError: { name: string; message: string; stack: string; at: number } | null;
  readonly summary: Record<string, unknown> | null;
  readonly children: ActorNode[];
}

interface Entry {
  readonly cell: ActorCell<any, any>;
  readonly parent: string | undefined;
}

/**
 * Every actor of one actor system, by path, in start order: the source of the actor tree, the
 * metrics, and the inspection stream.
 */
export class Registry {
  private readonly entries = new Map<string, Entry>();
  private readonly observers = new Set<InspectionObserver>();

  constructor(private readonly now: () => number) {}

  add(cell: ActorCell<any, any>, parent: string | undefined): void {
    this.entries.set(cell.path, { cell, parent });
  }

  get(path: string): ActorCell<any, any> | undefined {
    return this.entries.get(path)?.cell;
  }

  /** Every registered actor, in registration (start) order. */
  cells(): ActorCell<any, any>[] {
    return [...this.entries.values()].map((e) => e.cell);
  }

  /** Subscribes to lifecycle events; returns the unsubscribe function. */
  inspect(observer: InspectionObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  emit(event: InspectionEvent): void {
    if (this.observers.size === 0) return;
    const stamped = { ...event, at: this.now() };
    for (const observer of this.observers) {
      try {
        observer(stamped);
      } catch {
        // An observer's failure must not disturb the actor system.
      }
    }
  }

  /** The live tree below `root` (or every root), as the API serves it. */
  tree(root?: string): ActorNode[] {
    const roots = [...this.entries.values()].filter((e) => (root ? e.cell.path === root : e.parent === undefined));
    return roots.map((e) => this.node(e));
  }

  private node(entry: Entry): ActorNode {
    const { cell } = entry;
    const children = [...this.entries.values()].filter((e) => e.parent === cell.path).map((e) => this.node(e));
    return {
      path: cell.path,
      name: cell.id,
      kind: cell.kind,
      status: cell.status,
      depth: cell.depth,
      queued: cell.queued,
      inFlight: cell.inFlight,
      handled: cell.handled,
      restarts: cell.restarts,
      lastError: cell.lastError ?? null,
      summary: cell.summary() ?? null,
      children,
    };
  }
}
