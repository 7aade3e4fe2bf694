import type { Logger } from 'pino';
import { GpuGuard, type GpuGuardOptions } from './guard.js';
import { readGpus, type GpuProbe, type GpuReading } from './nvidia-smi.js';

/** What the node last knew of its GPUs. */
export interface GpuStatus {
  /** `gpus`: readings below; `none`: this machine has no GPU (and nothing else changes); `error`: the last read failed; `unread`: not read yet. */
  readonly state: 'gpus' | 'none' | 'error' | 'unread';
  readonly reason: string | null;
  readonly gpus: readonly GpuReading[];
  readonly readAt: number | null;
  /** Heavy batch work waits while this is true. */
  readonly hot: boolean;
  readonly hotReason: string;
}

/**
 * GPU telemetry for one node: reads nvidia-smi (the command is configurable, so a test puts a fake
 * on the PATH), keeps the last readings for metrics, status and alerts, and feeds the guard whose
 * `hot()` tells the scheduler to hold heavy batch work.
 */
export class GpuTelemetry {
  readonly guard: GpuGuard;
  private last: GpuStatus = { state: 'unread', reason: null, gpus: [], readAt: null, hot: false, hotReason: '' };
  reads = 0;
  failures = 0;

  constructor(private readonly options: GpuGuardOptions & { readonly command: string; readonly log: Logger; readonly timeoutMs?: number }) {
    this.guard = new GpuGuard(options);
    this.guard.onCrossing((c) => options.log[c.type === 'hot' ? 'warn' : 'info']({ gpu: c }, c.type === 'hot' ? 'GPU hot: heavy batch work pauses' : 'GPU cooled: heavy batch work resumes'));
  }

  /** True while heavy batch work should wait: the signal the scheduler consults. */
  gpuHot(): boolean {
    return this.guard.hot();
  }

  status(): GpuStatus {
    return { ...this.last, hot: this.guard.hot(), hotReason: this.guard.reason() };
  }

  /** Reads the GPUs once; a failed read keeps the guard's verdict (it says nothing new about heat). */
  async read(at: number): Promise<GpuProbe> {
    const probe = await readGpus(this.options.command, this.options.timeoutMs);
    this.reads++;
    if (probe.type === 'gpus') {
      this.guard.observe(probe.gpus, at);
      this.last = { ...this.last, state: 'gpus', reason: null, gpus: probe.gpus, readAt: at };
    } else if (probe.type === 'none') {
      this.guard.observe([], at);
      this.last = { ...this.last, state: 'none', reason: probe.reason, gpus: [], readAt: at };
    } else {
      this.failures++;
      if (this.last.state !== 'error') this.options.log.warn({ reason: probe.reason }, 'GPU telemetry read failed');
      this.last = { ...this.last, state: 'error', reason: probe.reason, readAt: at };
    }
    return probe;
  }
}
