import type { HealthChange } from './endpoint-health.js';
import type { FailureType } from './failure.js';
import type { Priority } from './priority-gate.js';

/** How a request to the router ended, as a whole. */
export type RequestOutcome = 'ok' | 'unavailable' | 'deadline' | 'cancelled' | 'rejected' | 'upstream-error' | 'no-route';

/** What the router reports to its observers (metrics, logs, tests), as it happens. */
export type LlmRouterEvent =
  | {
      readonly type: 'attempt';
      readonly endpoint: string;
      /** `abandoned`: cut by the caller or the deadline, no verdict on the endpoint. */
      readonly outcome: 'ok' | FailureType | 'abandoned';
      readonly trial: boolean;
      readonly durationMs: number;
      readonly firstTokenMs: number | null;
    }
  | ({ readonly type: 'state' } & HealthChange)
  | { readonly type: 'probe'; readonly endpoint: string; readonly ok: boolean; readonly message: string | null }
  | { readonly type: 'request'; readonly kind: 'chat' | 'chat-stream' | 'embeddings'; readonly priority: Priority; readonly outcome: RequestOutcome; readonly durationMs: number };

export type LlmRouterObserver = (event: LlmRouterEvent) => void;
