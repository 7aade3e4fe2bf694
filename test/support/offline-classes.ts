import type { JobClass, LoadThresholds, Step, StepOutcome } from '../../src/offline/index.js';
import { silentLogger } from '../../src/runtime/logger.js';

/** A step run by hand, not by a scheduler: it may go on `allowed` times; its cursor lives in `cursor`. */
export function handStep(cursor: { value?: unknown }, allowed = Infinity): Step {
  let left = allowed;
  return {
    signal: new AbortController().signal,
    deadline: Date.now() + 600_000,
    mayContinue: () => left-- > 0,
    cursor: { get: <T>() => cursor.value as T | undefined, set: (v) => (cursor.value = v) },
    takeLlmRequest: () => true,
    log: silentLogger(),
  };
}

/** Load thresholds no signal reaches: only what a test is about holds offline work back. */
export const NO_LOAD_LIMITS: LoadThresholds = {
  depth: { moderate: 1e9, high: 1e9 },
  apiP95Ms: { moderate: 1e9, high: 1e9 },
  apiSlowdown: { moderate: 1e9, high: 1e9 },
  llmOnlineQueued: { moderate: 1e9, high: 1e9 },
  cpu: { moderate: 1e9, high: 1e9 },
};

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
