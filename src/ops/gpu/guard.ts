import { PROTECTIVE_THROTTLE_MASK, type GpuReading } from './nvidia-smi.js';

export interface GpuGuardOptions {
  /** Pause at or above this temperature (°C)… */
  readonly pauseAtC: number;
  /** …and resume only below this one (hysteresis: a GPU hovering at the limit does not flap). */
  readonly resumeBelowC: number;
}

/** One change of the guard's verdict, with the readings that decided it. */
export interface GpuGuardCrossing {
  readonly type: 'hot' | 'cooled';
  readonly at: number;
  readonly reason: string;
}

/**
 * Decides, from each reading, whether heavy batch work (reprocessing, OCR/VLM batches, offline
 * enrichment) should run on this GPU node. It becomes hot when any GPU reaches `pauseAtC` or
 * throttles to protect itself (thermal or power-brake slowdown), and cools only when every GPU is
 * below `resumeBelowC` with no such throttling. No readings (no GPU) is never hot.
 *
 * The scheduler asks `hot()` before starting a heavy job and waits while it is true; jobs already
 * running finish. `onCrossing` hears each change once.
 */
export class GpuGuard {
  private isHot = false;
  private why = '';
  private readonly listeners = new Set<(c: GpuGuardCrossing) => void>();
  readonly crossings = { hot: 0, cooled: 0 };

  constructor(private readonly options: GpuGuardOptions) {
    if (!(options.resumeBelowC <= options.pauseAtC)) throw new RangeError(`resumeBelowC (${options.resumeBelowC}) must not exceed pauseAtC (${options.pauseAtC})`);
  }

  /** True while heavy batch work should wait. */
  hot(): boolean {
    return this.isHot;
  }

  /** Why it is hot (empty when it is not). */
  reason(): string {
    return this.isHot ? this.why : '';
  }

  onCrossing(listener: (c: GpuGuardCrossing) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes one reading of every GPU (empty: none) and updates the verdict. */
  observe(gpus: readonly GpuReading[], at: number): void {
    const throttling = gpus.filter((g) => g.throttleMask !== null && (g.throttleMask & PROTECTIVE_THROTTLE_MASK) !== 0);
    if (!this.isHot) {
      const hot = gpus.filter((g) => g.temperatureC !== null && g.temperatureC >= this.options.pauseAtC);
      if (hot.length === 0 && throttling.length === 0) return;
      const reason = [
        ...hot.map((g) => `GPU ${g.index} at ${g.temperatureC} °C (pause at ${this.options.pauseAtC} °C)`),
        ...throttling.map((g) => `GPU ${g.index} throttling (${g.throttleReasons.join(', ')})`),
      ].join('; ');
      this.flip(true, reason, at);
      return;
    }
    const warm = gpus.filter((g) => g.temperatureC !== null && g.temperatureC >= this.options.resumeBelowC);
    if (warm.length > 0 || throttling.length > 0) return;
    this.flip(false, gpus.length === 0 ? 'no GPU readings' : `every GPU below ${this.options.resumeBelowC} °C with no protective throttling`, at);
  }

  private flip(hot: boolean, reason: string, at: number): void {
    this.isHot = hot;
    this.why = reason;
    this.crossings[hot ? 'hot' : 'cooled']++;
    const crossing: GpuGuardCrossing = { type: hot ? 'hot' : 'cooled', at, reason };
    for (const l of this.listeners) {
      try {
        l(crossing);
      } catch {
        // A listener's failure must not change the verdict others hear.
      }
    }
  }
}
