/**
 * Where one search spent its time, by step, for the `Server-Timing` header of `/v1/search`
 * (browsers' developer tools draw it; `bench/search` reads it to say which step the slowest
 * searches waited on). Steps overlap: BM25 and the vector side run at once.
 */
export class SearchTimings {
  private readonly started = performance.now();
  private readonly steps: { readonly name: string; readonly ms: number }[] = [];

  /**
   * Starts `work`, awaits it and records how long it took under `name`, settled or not. The clock
   * starts before `work` does: posting a read to a reader thread can itself take a millisecond or
   * more, when the woken thread takes the core.
   */
  async time<T>(name: string, work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      this.record(name, performance.now() - t0);
    }
  }

  /** Runs `work` on this thread and records how long it took under `name`. */
  timeSync<T>(name: string, work: () => T): T {
    const t0 = performance.now();
    try {
      return work();
    } finally {
      this.record(name, performance.now() - t0);
    }
  }

  /** A step's time; a step made more than once (a filtered vector search widens) adds up. */
  record(name: string, ms: number): void {
    this.steps.push({ name, ms });
  }

  /** The steps so far and `total` since this was made, as a `Server-Timing` header's value. */
  header(): string {
    const sums = new Map<string, number>();
    for (const step of this.steps) sums.set(step.name, (sums.get(step.name) ?? 0) + step.ms);
    sums.set('total', performance.now() - this.started);
    return [...sums].map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`).join(', ');
  }
}

/** A `Server-Timing` value read back into milliseconds by step (entries without `dur` are left out). */
export function parseServerTiming(header: string | null | undefined): Map<string, number> {
  const steps = new Map<string, number>();
  for (const entry of (header ?? '').split(',')) {
    const [name, ...params] = entry.trim().split(';');
    const dur = params.map((p) => /^\s*dur=([0-9.]+)\s*$/.exec(p)).find(Boolean);
    if (name && dur) steps.set(name, Number(dur[1]));
  }
  return steps;
}
