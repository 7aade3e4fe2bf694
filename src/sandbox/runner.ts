import type { Logger } from 'pino';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError, SandboxUnavailableError } from '../errors.js';
import type { SandboxConfig } from './config.js';
import { PROGRAM_FILES, programCommand, type SandboxLanguage } from './container-spec.js';
import { createSlot, disposeSlot, removeLeftovers, type ContainerSlot, type SlotFactoryDeps } from './container-slot.js';
import type { SandboxEngine } from './engine.js';
import { collectOutFiles, execProgram } from './exec-program.js';
import type { OutFile, RejectedOutFile } from './out-files.js';
import { RunQueue } from './run-queue.js';
import type { StoreSnapshots } from './store-snapshot.js';

/** A program to run. */
export interface RunRequest {
  readonly language: SandboxLanguage;
  readonly code: string;
  /** Wall-clock limit; default and ceiling from the config. */
  readonly timeoutMs?: number;
}

/** What came back from a run: all of it from an untrusted program, capped and validated. */
export interface RunResult {
  /** null when the run was killed at its timeout. */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  /** stdout or stderr was cut at the cap (the text says where). */
  readonly truncated: boolean;
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
  readonly files: readonly OutFile[];
  readonly rejectedFiles: readonly RejectedOutFile[];
  /** When the stores' snapshot it saw was taken. */
  readonly snapshotTakenAt: string;
  /** Time waiting for a place in the queue. */
  readonly queuedMs: number;
  readonly startedAt: number;
  readonly finishedAt: number;
}

/** What the runner did, as it happened (for the actor tree, tests and metrics). */
export type RunnerEvent =
  | { readonly type: 'queued'; readonly queued: number }
  | { readonly type: 'started'; readonly running: number }
  | { readonly type: 'finished'; readonly exitCode: number | null; readonly timedOut: boolean; readonly durationMs: number }
  | { readonly type: 'container.created'; readonly id: string }
  | { readonly type: 'container.removed'; readonly id: string };

export interface SandboxRunnerOptions {
  readonly config: SandboxConfig;
  readonly engine: SandboxEngine;
  readonly snapshots: StoreSnapshots;
  /** Host directory for the runs' program directories. */
  readonly workRoot: string;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * Runs untrusted programs in fresh containers (one container per run, removed after it) under a
 * concurrency cap, each against a read-only snapshot of the stores. `poolSize` containers are
 * created and started ahead, on the current snapshot, so a run only has to exec its program; a
 * pooled container whose snapshot went stale is discarded instead of used.
 */
export class SandboxRunner {
  private readonly queue: RunQueue;
  private readonly pool: ContainerSlot[] = [];
  private readonly filling = new Set<Promise<void>>();
  private readonly removals = new Set<Promise<void>>();
  private readonly live = new Set<ContainerSlot>();
  private readonly observers = new Set<(event: RunnerEvent) => void>();
  private stopping = false;
  private started = false;
  private readonly now: () => number;
  private readonly slots: SlotFactoryDeps;
  runs = 0;

  constructor(private readonly options: SandboxRunnerOptions) {
    this.queue = new RunQueue(options.config.concurrency, options.config.queueLimit);
    this.now = options.now ?? Date.now;
    this.slots = { docker: options.engine.docker, config: options.config, image: options.engine.image, snapshots: options.snapshots, workRoot: options.workRoot };
  }

  /** Clears what a previous process left (containers, snapshots, directories) and fills the pool. */
  async start(): Promise<void> {
    this.stopping = false;
    await this.options.snapshots.clean();
    const { rm, mkdir } = await import('node:fs/promises');
    await rm(this.options.workRoot, { recursive: true, force: true });
    await mkdir(this.options.workRoot, { recursive: true });
    const state = await this.options.engine.check(true);
    if (state.type === 'ready') {
      const removed = await removeLeftovers(this.options.engine.docker, this.options.workRoot);
      if (removed > 0) this.options.log.warn({ actor: 'sandbox-runner', removed }, 'removed sandbox containers left by a previous process');
      // A pool filled from a past incarnation's runs is filled again now.
      if (this.runs > 0) this.refill();
    } else {
      this.options.log.warn({ actor: 'sandbox-runner', reason: state.reason }, 'sandbox unavailable: runs will answer 503 until it is');
    }
    this.started = true;
  }

  /** Removes every container (pooled or running: running ones are killed) and snapshot. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.filling);
    await Promise.all(this.removals);
    const all = [...this.pool.splice(0), ...this.live];
    await Promise.all(all.map((slot) => this.dispose(slot)));
    await this.options.snapshots.close();
    this.started = false;
  }

  /** The engine's state, rechecked if the last check is a few seconds old. */
  engineState(): ReturnType<SandboxEngine['check']> {
    return this.options.engine.check();
  }

  describe(): { image: string; runtime: string } {
    return { image: this.options.engine.image, runtime: this.options.engine.runtime };
  }

  inspect(observer: (event: RunnerEvent) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  stats(): { running: number; queued: number; pooled: number; runs: number; engine: string } {
    const engine = this.options.engine.current;
    return { running: this.queue.active, queued: this.queue.queued, pooled: this.pool.length, runs: this.runs, engine: engine.type === 'ready' ? 'ready' : engine.reason };
  }

  /**
   * Runs one program and returns what it produced; throws only when it could not run at all.
   * `onStart` is called once it has a place in the queue, before its container is taken.
   */
  async run(request: RunRequest, onStart?: () => void): Promise<RunResult> {
    const config = this.options.config;
    this.validate(request);
    if (!config.enabled) throw new SandboxUnavailableError('the sandbox is disabled on this node (sandbox.enabled is false)');
    if (this.stopping || !this.started) throw new SandboxUnavailableError('the sandbox is not running on this node (it is starting or stopping)');
    await this.options.engine.require();
    const timeoutMs = Math.min(request.timeoutMs ?? config.timeoutMs, config.maxTimeoutMs);
    const queuedAt = this.now();
    this.emit({ type: 'queued', queued: this.queue.queued + 1 });
    const release = await this.queue.acquire();
    const startedAt = this.now();
    let slot: ContainerSlot | undefined;
    try {
      this.emit({ type: 'started', running: this.queue.active });
      onStart?.();
      slot = await this.takeSlot();
      await writeFile(path.join(slot.codeDir, PROGRAM_FILES[request.language]), request.code, { mode: 0o644 });
      const outcome = await execProgram(slot.container, this.options.engine.docker, programCommand(request.language), timeoutMs, config.outputBytes, this.now);
      const out = outcome.timedOut ? { files: [], rejected: [] } : await collectOutFiles(slot.container, this.options.engine.docker, { maxFiles: config.outFiles, maxBytes: config.outBytes });
      this.runs++;
      const result: RunResult = {
        exitCode: outcome.exitCode,
        stdout: outcome.stdout.text(),
        stderr: outcome.stderr.text(),
        durationMs: outcome.durationMs,
        timedOut: outcome.timedOut,
        truncated: outcome.stdout.truncated || outcome.stderr.truncated,
        stdoutBytes: outcome.stdout.total,
        stderrBytes: outcome.stderr.total,
        files: out.files,
        rejectedFiles: out.rejected,
        snapshotTakenAt: slot.snapshot.takenAt,
        queuedMs: startedAt - queuedAt,
        startedAt,
        finishedAt: this.now(),
      };
      this.emit({ type: 'finished', exitCode: result.exitCode, timedOut: result.timedOut, durationMs: result.durationMs });
      return result;
    } finally {
      // The container is removed after the result is returned (its processes die with it), and
      // the place in the queue is freed only then: the cap counts containers, not answers.
      this.track(
        (slot ? this.dispose(slot) : Promise.resolve()).finally(() => {
          release();
          this.refill();
        }),
      );
    }
  }

  private validate(request: RunRequest): void {
    if (request.language !== 'python' && request.language !== 'javascript') throw new BadInputError(`language must be python or javascript, not ${JSON.stringify(request.language)}`);
    if (typeof request.code !== 'string' || request.code.trim() === '') throw new BadInputError('code is empty');
    const bytes = Buffer.byteLength(request.code, 'utf8');
    if (bytes > this.options.config.codeBytes) throw new BadInputError(`code is ${bytes} bytes; the sandbox takes at most ${this.options.config.codeBytes}`);
    if (request.timeoutMs !== undefined && (!Number.isInteger(request.timeoutMs) || request.timeoutMs < 100)) throw new BadInputError(`timeoutMs must be an integer of at least 100, not ${request.timeoutMs}`);
  }

  /** A pooled container on the current snapshot, else a new one. */
  private async takeSlot(): Promise<ContainerSlot> {
    for (;;) {
      const slot = this.pool.shift();
      if (!slot) {
        // A container being prepared is ready sooner than a new one would be.
        if (this.filling.size === 0) break;
        await Promise.race(this.filling);
        continue;
      }
      const young = Date.now() - slot.startedAt < this.options.config.poolIdleMs;
      if (young && (await this.options.snapshots.isCurrent(slot.snapshot))) {
        this.live.add(slot);
        // The pool fills again while this run executes.
        this.refill();
        return slot;
      }
      this.track(this.dispose(slot));
    }
    const slot = await createSlot(this.slots);
    this.emit({ type: 'container.created', id: slot.id });
    this.live.add(slot);
    return slot;
  }

  /** Removals in the background, which `stop` waits for. */
  private track(removal: Promise<void>): void {
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }

  private refill(): void {
    const wanted = this.options.config.poolSize - this.pool.length - this.filling.size;
    if (this.stopping || wanted <= 0 || this.options.engine.current.type !== 'ready') return;
    for (let i = 0; i < wanted; i++) {
      const fill: Promise<void> = createSlot(this.slots)
        .then(async (slot) => {
          this.emit({ type: 'container.created', id: slot.id });
          if (this.stopping) await this.dispose(slot);
          else this.pool.push(slot);
        })
        .catch((error: unknown) => this.options.log.warn({ actor: 'sandbox-runner', err: error }, 'could not prepare a sandbox container'))
        .finally(() => this.filling.delete(fill));
      this.filling.add(fill);
    }
  }

  private async dispose(slot: ContainerSlot): Promise<void> {
    this.live.delete(slot);
    try {
      await disposeSlot(this.slots, slot);
      this.emit({ type: 'container.removed', id: slot.id });
    } catch (error) {
      this.options.log.error({ actor: 'sandbox-runner', err: error, container: slot.id }, 'could not remove a sandbox container');
    }
  }

  private emit(event: RunnerEvent): void {
    for (const observer of this.observers) observer(event);
  }
}
