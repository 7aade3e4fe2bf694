import type { Logger } from 'pino';
import { BadInputError, describeError, UnknownJobClassError } from '../errors.js';
import type { Clock, TimerHandle } from '../runtime/clock.js';
import type { ClassQuota, JobClass, Step, StepOutcome, WindowSpec } from './job-class.js';
import type { GpuLeases, GpuLeaseView } from './gpu-lease.js';
import { OffPeakWindow } from './off-peak-window.js';
import { ALL_CLASSES, type OfflineStore } from './offline-store.js';
import type { LoadReading, OnlineLoad } from './online-load.js';
import { HourlyBudget, RateMeter } from './rate-meter.js';

/** What `GET /v1/jobs` shows of one class. */
export interface ClassView {
  readonly name: string;
  readonly priority: number;
  readonly paused: boolean;
  readonly state: 'running' | 'waiting' | 'paused' | 'idle';
  readonly queued: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
  readonly ratePerMinute: number;
  readonly etaSeconds: number | null;
  readonly window?: string;
  /** Why the class is waiting, or the last step's error. */
  readonly note?: string;
}

export interface SchedulerSnapshot {
  readonly paused: boolean;
  readonly classes: ClassView[];
  readonly gpuLeases: GpuLeaseView[];
  readonly load: { readonly level: LoadReading['level']; readonly reasons: string[] };
}

export interface SchedulerOptions {
  readonly store: OfflineStore;
  readonly load: OnlineLoad;
  readonly clock: Clock;
  readonly log: Logger;
  /** How often load is read and steps are started or told to yield (default 250 ms). */
  readonly tickMs?: number;
  /** The longest a step runs before it returns to the scheduler (default 2 s). */
  readonly stepMs?: number;
  /** Steps of all classes at once (default 1). */
  readonly concurrency?: number;
  /** Per-class settings from the config; they override what the class itself says. */
  readonly classSettings?: Readonly<Record<string, { window?: WindowSpec; quota?: ClassQuota }>>;
  /** The GPU nodes' leases, checked for preemption every tick. */
  readonly gpuLeases?: GpuLeases;
  /** Rest after a step that threw before the class is tried again (default 30 s). */
  readonly failureRestMs?: number;
}

interface Slot {
  readonly cls: JobClass;
  readonly window: OffPeakWindow | undefined;
  readonly quota: ClassQuota;
  readonly meter: RateMeter;
  readonly running: Map<number, { controller: AbortController; done: Promise<void> }>;
  readonly budgets: Map<string, HourlyBudget>;
  paused: boolean;
  more: boolean;
  restUntil: number;
  note: string | undefined;
}

/**
 * The offline scheduler: runs registered job classes in bounded, cooperative steps, by priority,
 * only while online work leaves room (load low, or moderate inside the class's off-peak window),
 * within each class's quotas. A rise in online load, or a pause, aborts the running steps at the
 * next tick (a pause at once); what they committed stays, and their cursors resume them. Pause
 * flags and cursors live in SQLite, so a restart keeps paused work paused where it stopped.
 */
export class Scheduler {
  private readonly slots = new Map<string, Slot>();
  private readonly tickMs: number;
  private readonly stepMs: number;
  private readonly concurrency: number;
  private readonly failureRestMs: number;
  private allPaused: boolean;
  private reading: LoadReading | undefined;
  private timer: TimerHandle | undefined;
  private started = false;
  private nextStepId = 1;

  constructor(private readonly options: SchedulerOptions) {
    this.tickMs = options.tickMs ?? 250;
    this.stepMs = options.stepMs ?? 2_000;
    this.concurrency = options.concurrency ?? 1;
    this.failureRestMs = options.failureRestMs ?? 30_000;
    this.allPaused = options.store.get(ALL_CLASSES).paused;
  }

  /**
   * Adds a job class. Its pause flag and cursor come from SQLite, so a class registered again
   * after a restart continues where it was. Call before or after `start`.
   */
  register(cls: JobClass): void {
    if (!/^[a-z][a-z0-9-]*$/.test(cls.name)) throw new BadInputError(`job class names are lower-case words, not ${JSON.stringify(cls.name)}`);
    if (this.slots.has(cls.name)) throw new BadInputError(`job class ${cls.name} is registered already`);
    const settings = this.options.classSettings?.[cls.name];
    const windowSpec = settings?.window ?? cls.window;
    const quota = { ...cls.quota, ...settings?.quota };
    if (quota.cpuShare !== undefined && !(quota.cpuShare > 0 && quota.cpuShare <= 1)) throw new BadInputError(`job class ${cls.name}: cpuShare must be in (0, 1]`);
    this.slots.set(cls.name, {
      cls,
      window: windowSpec ? new OffPeakWindow(windowSpec) : undefined,
      quota,
      meter: new RateMeter(() => this.options.clock.now()),
      running: new Map(),
      budgets: new Map(),
      paused: this.options.store.get(cls.name).paused,
      more: true,
      restUntil: 0,
      note: undefined,
    });
    this.wake();
  }

  /** Whether any offline step runs now. */
  busy(): boolean {
    for (const slot of this.slots.values()) if (slot.running.size > 0) return true;
    return false;
  }

  classNames(): string[] {
    return [...this.slots.keys()];
  }

  /** Pauses one class, or all offline work; running steps are aborted at once. Durable. */
  pause(name?: string): SchedulerSnapshot {
    if (name === undefined) {
      this.options.store.setPaused(ALL_CLASSES, true);
      this.allPaused = true;
      for (const slot of this.slots.values()) this.abortSteps(slot, 'paused');
    } else {
      const slot = this.slotOf(name);
      this.options.store.setPaused(name, true);
      slot.paused = true;
      this.abortSteps(slot, 'paused');
    }
    this.options.log.info({ jobClass: name ?? ALL_CLASSES }, 'offline work paused');
    return this.snapshot();
  }

  /** Resumes one class, or all offline work (every class's own pause included). Durable. */
  resume(name?: string): SchedulerSnapshot {
    if (name === undefined) {
      this.options.store.setAllPaused(this.classNames(), false);
      this.allPaused = false;
      for (const slot of this.slots.values()) slot.paused = false;
    } else {
      const slot = this.slotOf(name);
      this.options.store.setPaused(name, false);
      slot.paused = false;
    }
    this.options.log.info({ jobClass: name ?? ALL_CLASSES }, 'offline work resumed');
    this.wake();
    return this.snapshot();
  }

  snapshot(): SchedulerSnapshot {
    const reading = this.reading ?? this.options.load.read();
    const classes = [...this.slots.values()].sort((a, b) => a.cls.priority - b.cls.priority).map((slot) => this.viewOf(slot));
    return { paused: this.allPaused, classes, gpuLeases: this.options.gpuLeases?.list() ?? [], load: { level: reading.level, reasons: [...reading.reasons] } };
  }

  /** Starts ticking. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.wake();
  }

  /** Stops ticking, aborts every running step and waits for them to return. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const running = [...this.slots.values()].flatMap((slot) => {
      this.abortSteps(slot, 'stopping');
      return [...slot.running.values()].map((r) => r.done);
    });
    await Promise.allSettled(running);
  }

  /** Ticks now rather than at the next interval (after a registration, a resume, new work). */
  wake(): void {
    if (!this.started) return;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = this.options.clock.setTimeout(() => this.tick(), 0);
  }

  private tick(): void {
    this.timer = undefined;
    if (!this.started) return;
    try {
      this.options.gpuLeases?.check();
      this.reading = this.options.load.read();
      const now = this.options.clock.now();
      for (const slot of this.slots.values()) {
        const why = this.blockedBy(slot, now);
        if (why !== undefined && why !== 'resting') this.abortSteps(slot, why);
      }
      let running = [...this.slots.values()].reduce((n, s) => n + s.running.size, 0);
      for (const slot of [...this.slots.values()].sort((a, b) => a.cls.priority - b.cls.priority)) {
        while (running < this.concurrency && slot.running.size < (slot.quota.concurrency ?? 1) && this.blockedBy(slot, now) === undefined && this.hasWork(slot)) {
          this.launch(slot);
          running++;
        }
      }
    } catch (error) {
      this.options.log.error({ err: error }, 'offline scheduler tick failed');
    }
    this.timer = this.options.clock.setTimeout(() => this.tick(), this.tickMs);
  }

  /** Why the class may not run now, or undefined when it may. */
  private blockedBy(slot: Slot, now: number): string | undefined {
    if (this.allPaused || slot.paused) return 'paused';
    const load = this.loadBlocks(slot, now);
    if (load !== undefined && this.overdueOf(slot) === undefined) return load;
    if (now < slot.restUntil) return 'resting';
    return undefined;
  }

  /** Why online load holds the class back now, or undefined. */
  private loadBlocks(slot: Slot, now: number): string | undefined {
    const level = this.reading?.level ?? 'low';
    if (level === 'high') return `online load high (${this.reading!.reasons.join(', ')})`;
    if (level === 'moderate' && !slot.window?.isOpen(now)) return `online load moderate (${this.reading!.reasons.join(', ')}), outside the off-peak window`;
    return undefined;
  }

  private overdueOf(slot: Slot): string | undefined {
    try {
      return slot.cls.overdue?.();
    } catch (error) {
      this.options.log.warn({ err: error, jobClass: slot.cls.name }, 'offline job class could not say whether it is overdue');
      return undefined;
    }
  }

  private hasWork(slot: Slot): boolean {
    return slot.more || this.pendingOf(slot).queued > 0;
  }

  private pendingOf(slot: Slot): { queued: number; remaining?: number | null } {
    try {
      return slot.cls.pending();
    } catch (error) {
      this.options.log.warn({ err: error, jobClass: slot.cls.name }, 'offline job class could not count its work');
      return { queued: 0, remaining: null };
    }
  }

  private launch(slot: Slot): void {
    const { clock, store, log } = this.options;
    const name = slot.cls.name;
    const id = this.nextStepId++;
    const controller = new AbortController();
    const started = clock.now();
    const deadline = started + this.stepMs;
    // Run only because it is overdue: online load would hold it otherwise.
    const overdueOnly = this.loadBlocks(slot, started) !== undefined;
    if (overdueOnly) log.info({ jobClass: name, reason: this.overdueOf(slot) }, 'offline class overdue: it runs its overdue work despite online load');
    const step: Step = {
      overdueOnly,
      signal: controller.signal,
      deadline,
      mayContinue: () => !controller.signal.aborted && clock.now() < deadline,
      cursor: { get: <T>() => store.get(name).cursor as T | undefined, set: (value) => store.setCursor(name, value) },
      takeLlmRequest: (endpoint) => this.takeLlmRequest(slot, endpoint),
      log: log.child({ jobClass: name }),
    };
    const done = (async () => {
      try {
        const outcome: StepOutcome = await slot.cls.run(step);
        store.count(name, outcome.done, outcome.failed ?? 0);
        slot.meter.add(outcome.done);
        slot.more = outcome.more;
        slot.note = undefined;
      } catch (error) {
        if (controller.signal.aborted) {
          // Taken back by the scheduler, not failed: the cursor resumes it.
          slot.more = true;
        } else {
          slot.more = true;
          slot.note = `last step failed: ${describeError(error).message}`;
          slot.restUntil = clock.now() + this.failureRestMs;
          log.warn({ err: error, jobClass: name }, 'offline step failed; the class rests before its next step');
        }
      } finally {
        slot.running.delete(id);
        const took = clock.now() - started;
        const share = slot.quota.cpuShare ?? 1;
        if (share < 1) slot.restUntil = Math.max(slot.restUntil, clock.now() + took * (1 / share - 1));
        if (this.started && (this.timer === undefined || slot.more)) this.wake();
      }
    })();
    slot.running.set(id, { controller, done });
  }

  private takeLlmRequest(slot: Slot, endpoint: string): boolean {
    const perHour = slot.quota.llmRequestsPerHour?.[endpoint];
    if (perHour === undefined) return true;
    let budget = slot.budgets.get(endpoint);
    if (!budget) slot.budgets.set(endpoint, (budget = new HourlyBudget(perHour, () => this.options.clock.now())));
    return budget.take();
  }

  private abortSteps(slot: Slot, why: string): void {
    for (const { controller } of slot.running.values()) {
      if (!controller.signal.aborted) {
        this.options.log.info({ jobClass: slot.cls.name, reason: why }, 'offline step yields');
        controller.abort(new Error(`offline step taken back: ${why}`));
      }
    }
  }

  private slotOf(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new UnknownJobClassError(name, this.classNames());
    return slot;
  }

  private viewOf(slot: Slot): ClassView {
    const { cls } = slot;
    const row = this.options.store.get(cls.name);
    const pending = this.pendingOf(slot);
    const rate = slot.meter.perMinute();
    const paused = slot.paused || this.allPaused;
    const now = this.options.clock.now();
    const blocked = this.blockedBy(slot, now);
    const state: ClassView['state'] = paused ? 'paused' : slot.running.size > 0 ? 'running' : this.hasWork(slot) ? 'waiting' : 'idle';
    const remaining = pending.remaining ?? null;
    const etaSeconds = remaining === null ? null : remaining === 0 ? 0 : rate > 0 ? Math.ceil((remaining / rate) * 60) : null;
    const note = slot.note ?? (state === 'waiting' && blocked !== undefined ? blocked : undefined);
    return {
      name: cls.name,
      priority: cls.priority,
      paused,
      state,
      queued: pending.queued,
      running: slot.running.size,
      done: row.done,
      failed: row.failed,
      ratePerMinute: Math.round(rate * 100) / 100,
      etaSeconds,
      ...(slot.window ? { window: slot.window.describe() } : {}),
      ...(note ? { note } : {}),
    };
  }
}
