import { cpus, loadavg } from 'node:os';

/** How busy the online path is: `high` stops offline work, `low` lets it run anywhere, `moderate` only in its window. */
export type LoadLevel = 'low' | 'moderate' | 'high';

/** One reading of the online load signals. */
export interface LoadReading {
  readonly level: LoadLevel;
  /** Online (hot and normal) pipeline jobs queued or in flight. */
  readonly depth: number;
  /** p95 of the online API's response times over its window, ms. */
  readonly apiP95Ms: number;
  /** The online API's p95 now over its p95 while no offline work ran (1: no slower). */
  readonly apiSlowdown: number;
  /** LLM requests of online callers waiting at any endpoint. */
  readonly llmOnlineQueued: number;
  /** 1-minute load average per core. */
  readonly cpu: number;
  /** Which signals made the level what it is. */
  readonly reasons: readonly string[];
}

/** Where a signal turns moderate (at or above `moderate`) and high (at or above `high`); 0 and 0 turn it off. */
export interface Threshold {
  readonly moderate: number;
  readonly high: number;
}

export interface LoadThresholds {
  readonly depth: Threshold;
  readonly apiP95Ms: Threshold;
  /** Optional, so thresholds written before this signal existed still type-check: the default applies. */
  readonly apiSlowdown?: Threshold;
  readonly llmOnlineQueued: Threshold;
  readonly cpu: Threshold;
}

/** The defaults: any online job waiting, or a queued online LLM request, is high load. */
export const defaultLoadThresholds: Required<LoadThresholds> = {
  depth: { moderate: 1, high: 1 },
  apiP95Ms: { moderate: 250, high: 1_000 },
  apiSlowdown: { moderate: 1.2, high: 1.4 },
  llmOnlineQueued: { moderate: 1, high: 1 },
  cpu: { moderate: 0, high: 0 },
};

/** Where the signals come from; each is optional (a node without a pipeline has no depth). */
export interface LoadSources {
  readonly depth?: () => number;
  readonly apiP95Ms?: () => number;
  readonly apiSlowdown?: () => number;
  readonly llmOnlineQueued?: () => number;
  readonly cpu?: () => number;
}

/** The node's CPU signal: the 1-minute load average over the cores. */
export function cpuLoadPerCore(): number {
  return loadavg()[0]! / Math.max(1, cpus().length);
}

/** Reads the online signals and grades them against the thresholds. */
export class OnlineLoad {
  private readonly thresholds: Required<LoadThresholds>;

  /** Thresholds not given are the defaults. */
  constructor(private readonly sources: LoadSources, thresholds: Partial<LoadThresholds> = {}) {
    this.thresholds = { ...defaultLoadThresholds, ...thresholds } as Required<LoadThresholds>;
  }

  read(): LoadReading {
    const values = {
      depth: this.sources.depth?.() ?? 0,
      apiP95Ms: this.sources.apiP95Ms?.() ?? 0,
      apiSlowdown: this.sources.apiSlowdown?.() ?? 1,
      llmOnlineQueued: this.sources.llmOnlineQueued?.() ?? 0,
      cpu: this.sources.cpu?.() ?? 0,
    };
    let level: LoadLevel = 'low';
    const reasons: string[] = [];
    for (const key of Object.keys(values) as (keyof Required<LoadThresholds>)[]) {
      const v = values[key];
      const t = this.thresholds[key];
      if (t.moderate === 0 && t.high === 0) continue;
      if (v >= t.high) {
        level = 'high';
        reasons.push(`${key} ${round(v)} >= ${t.high}`);
      } else if (v >= t.moderate) {
        if (level === 'low') level = 'moderate';
        reasons.push(`${key} ${round(v)} >= ${t.moderate}`);
      }
    }
    return { level, ...values, reasons };
  }
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
