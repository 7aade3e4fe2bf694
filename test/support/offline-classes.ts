import type { JobClass, Step, StepOutcome } from '../../src/offline/index.js';

/** A job class counting `total` units from a cursor, one unit per `unitMs`; records what it did. */
export function countingClass(name: string, total: number, options: { priority?: number; unitMs?: number; window?: JobClass['window']; timeline?: string[] } = {}) {
  const log = { units: [] as number[], steps: 0, aborted: 0 };
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const onAbort = () => (clearTimeout(t), reject(signal.reason as Error));
      const t = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  const cls: JobClass = {
    name,
    priority: options.priority ?? 10,
    ...(options.window ? { window: options.window } : {}),
    pending: () => ({ queued: total - (position ?? 0), remaining: total - (position ?? 0) }),
    async run(step: Step): Promise<StepOutcome> {
      log.steps++;
      let at = step.cursor.get<number>() ?? 0;
      let done = 0;
      try {
        while (at < total && step.mayContinue()) {
          await sleep(options.unitMs ?? 2, step.signal);
          log.units.push(at);
          options.timeline?.push(name);
          at++;
          done++;
          step.cursor.set(at);
          position = at;
        }
      } catch {
        // Taken back mid-unit: report what was finished; the cursor holds the rest.
        log.aborted++;
      }
      return { done, more: at < total };
    },
  };
  let position: number | undefined;
  return { cls, log };
}
