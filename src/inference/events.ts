import type { HealthChange } from './endpoint-health.js';
import type { FailureType } from './failure.js';
import type { Priority } from './priority-gate.js';

/** Tokens one answer used, as its `usage` says (`prompt_tokens`, `completion_tokens`). */
export interface TokenUsage {
  readonly prompt: number;
  readonly completion: number;
}

/** The usage an OpenAI-compatible answer (or a stream's usage chunk) carries, or null when absent or not numbers. */
export function tokenUsageOf(answer: unknown): TokenUsage | null {
  const u = (answer as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
  if (!u || typeof u.prompt_tokens !== 'number') return null;
  return { prompt: u.prompt_tokens, completion: typeof u.completion_tokens === 'number' ? u.completion_tokens : 0 };
}

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
      /** Tokens the endpoint said it used (an OpenAI-compatible answer's `usage`), on `ok` attempts that carried one. */
      readonly usage: TokenUsage | null;
    }
  | ({ readonly type: 'state' } & HealthChange)
  | { readonly type: 'probe'; readonly endpoint: string; readonly ok: boolean; readonly message: string | null }
  | { readonly type: 'request'; readonly kind: 'chat' | 'chat-stream' | 'embeddings'; readonly priority: Priority; readonly outcome: RequestOutcome; readonly durationMs: number };

export type LlmRouterObserver = (event: LlmRouterEvent) => void;
