import { Type, type Static } from '@sinclair/typebox';
import type { SandboxRunner } from '../sandbox/runner.js';
import type { Behavior } from '../supervisors/index.js';

/** The runner actor takes no requests through its mailbox: callers use the runner directly. */
export const SandboxRunnerMessage = Type.Never();
export type SandboxRunnerMessage = Static<typeof SandboxRunnerMessage>;

interface SandboxRunnerState {
  unsubscribe: () => void;
  finished: number;
  timedOut: number;
}

/**
 * The sandbox runner's place in the supervision tree (under `sandbox`): starting it clears what
 * a previous incarnation left (containers, snapshots) and fills the pool of ready containers;
 * stopping it removes every container it made. Runs go to the runner itself, which queues them
 * under its concurrency cap; the tree shows its engine state, queue and counts.
 */
export function sandboxRunnerBehavior(runner: SandboxRunner): Behavior<SandboxRunnerMessage, SandboxRunnerState> {
  return {
    async init() {
      const state: SandboxRunnerState = { unsubscribe: () => undefined, finished: 0, timedOut: 0 };
      state.unsubscribe = runner.inspect((event) => {
        if (event.type !== 'finished') return;
        state.finished++;
        if (event.timedOut) state.timedOut++;
      });
      await runner.start();
      return state;
    },
    receive(state) {
      return state;
    },
    async terminate(state) {
      state.unsubscribe();
      await runner.stop();
    },
    summary: (state) => ({ ...runner.stats(), finished: state.finished, timedOut: state.timedOut }),
  };
}
