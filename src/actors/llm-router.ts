import { Type, type Static } from '@sinclair/typebox';
import type { LlmRouter } from '../inference/router.js';
import type { Behavior } from '../supervisors/index.js';

/** The router actor takes no requests through its mailbox: callers use the router directly. */
export const LlmRouterMessage = Type.Never();
export type LlmRouterMessage = Static<typeof LlmRouterMessage>;

interface LlmRouterState {
  unsubscribe: () => void;
  changes: number;
}

/**
 * The LLM router's place in the supervision tree: it starts the endpoints' health probes and
 * shows the endpoints' states (up, cooling, down) in the actor tree. Requests go to the router itself, whose state outlives a restart of this actor:
 * cooldowns and counts are not forgotten because a logger crashed.
 */
export function llmRouterBehavior(router: LlmRouter): Behavior<LlmRouterMessage, LlmRouterState> {
  return {
    init() {
      const state: LlmRouterState = { unsubscribe: () => undefined, changes: 0 };
      // The router logs each change itself; the actor counts them for the tree.
      state.unsubscribe = router.inspect((event) => {
        if (event.type === 'state') state.changes++;
      });
      router.start();
      return state;
    },
    receive(state) {
      return state;
    },
    terminate(state) {
      state.unsubscribe();
    },
    summary: (state) => ({
      changes: state.changes,
      endpoints: router.snapshot().endpoints.map((e) => ({ name: e.name, state: e.state })),
    }),
  };
}
