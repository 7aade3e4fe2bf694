import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { readErrorBody, type UpstreamErrorBody } from './error-shapes.js';

/**
 * The error a stream chunk carries instead of tokens. The openai client throws on `{error:…}`
 * events itself; vLLM's flat `{object:'error',…}` reaches us as a chunk and is caught here.
 */
export function chunkError(chunk: unknown): UpstreamErrorBody | undefined {
  const c = chunk as { object?: unknown; error?: unknown } | null;
  return c && (c.object === 'error' || c.error !== undefined) ? readErrorBody(c) : undefined;
}

/**
 * Whether a chunk carries generated output (text, a tool call, reasoning) or a finish: the
 * role-only opener vLLM sends and usage-only chunks do not count as a first token.
 */
export function carriesToken(chunk: ChatCompletionChunk): boolean {
  for (const choice of chunk.choices ?? []) {
    if (choice.finish_reason) return true;
    for (const [key, value] of Object.entries(choice.delta ?? {})) {
      if (key === 'role' || value === null || value === undefined) continue;
      if (typeof value === 'string' ? value !== '' : !Array.isArray(value) || value.length > 0) return true;
    }
  }
  return false;
}

/** Whether a chunk ends one of the choices. */
export function finishes(chunk: ChatCompletionChunk): boolean {
  return (chunk.choices ?? []).some((c) => !!c.finish_reason);
}
