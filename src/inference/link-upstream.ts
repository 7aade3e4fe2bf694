import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from 'openai/resources/embeddings';
import { LinkAskTimeoutError, LinkBackpressureError, LinkPeerDownError } from '../errors.js';
import { askRemote, tellRemote, type RemoteRef } from '../link/remote-ref.js';
import type { RemoteStreams } from '../link/remote-streams.js';
import type { InferenceMessage, InferenceReplies, RemoteFailure } from '../protocols/link-inference.js';
import type { EndpointSettings } from './config.js';
import { AttemptFailedError, type AttemptFailure, type FailureType } from './failure.js';
import type { ProbeResult, Upstream } from './upstream.js';

const FAILURE_TYPES: ReadonlySet<string> = new Set<FailureType>([
  'unreachable', 'unauthorized', 'engine-dead', 'busy', 'rate-limited', 'first-token-timeout', 'total-timeout', 'server-error', 'stream-error', 'malformed', 'not-found', 'rejected',
]);

/** What the remote node's router said, as a failure of this endpoint. */
function remoteFailure(f: RemoteFailure, node: string): AttemptFailure {
  const type = (FAILURE_TYPES.has(f.type) ? f.type : 'server-error') as FailureType;
  return { type, message: `node ${node}: ${f.message}`, ...(f.status === undefined ? {} : { status: f.status }), ...(f.retryAfterMs === undefined ? {} : { retryAfterMs: f.retryAfterMs }) };
}

/** What a link failure says about the endpoint: a down peer is unreachable, a full outbox busy. */
function linkFailure(error: unknown, node: string): AttemptFailure {
  if (error instanceof LinkPeerDownError) return { type: 'unreachable', message: error.message };
  if (error instanceof LinkBackpressureError) return { type: 'busy', message: error.message };
  if (error instanceof LinkAskTimeoutError) return { type: 'total-timeout', message: error.message };
  return { type: 'server-error', message: `node ${node}: ${(error as Error).message ?? String(error)}` };
}

/**
 * An endpoint served by another node's inference actor (a gpu node in front of vLLM, a mac node in
 * front of Ollama), asked over the link. The main node's router treats it like any endpoint:
 * priorities, failover, cooldown and probes apply, so losing a node fails over and its return is
 * found by the next probe. A stream comes as the remote router produces it: `llm.stream` is
 * answered at its first token, and its chunks follow as frames to this node's `streams` actor;
 * the deadline, the caller leaving or the reader stopping cancel it there.
 */
export class LinkUpstream implements Upstream {
  constructor(
    private readonly endpoint: EndpointSettings,
    private readonly ref: RemoteRef<InferenceMessage, InferenceReplies>,
    /** Where this node's streams collect their frames; without it, streams are answered whole and re-chunked. */
    private readonly streams?: { readonly registry: RemoteStreams; readonly self: string },
  ) {}

  async chat(body: ChatCompletionCreateParamsNonStreaming, signal: AbortSignal): Promise<ChatCompletion> {
    const { stream: _s, stream_options: _o, ...request } = body as ChatCompletionCreateParamsNonStreaming & { stream_options?: unknown };
    const outcome = await this.ask({ type: 'llm.chat', request, priority: 'online' }, signal);
    if (!outcome.ok) throw new AttemptFailedError(remoteFailure(outcome.failure, this.ref.node));
    return outcome.completion;
  }

  async chatStream(body: ChatCompletionCreateParamsStreaming, signal: AbortSignal): Promise<AsyncIterable<ChatCompletionChunk>> {
    const { stream: _s, stream_options: options, ...request } = body;
    if (!this.streams) {
      const completion = await this.chat({ ...request, stream: false } as ChatCompletionCreateParamsNonStreaming, signal);
      return rechunk(completion, options?.include_usage === true);
    }
    if (signal.aborted) throw signal.reason;
    const node = this.ref.node;
    const stream = this.streams.registry.create(
      node,
      (failure) => new AttemptFailedError({ ...remoteFailure(failure, node), type: 'stream-error' }),
      () => {
        try {
          tellRemote(this.ref, { type: 'llm.stream.cancel', streamId: stream.id });
        } catch {
          // A full outbox: the remote stream ends at its own deadline instead.
        }
      },
    );
    const onAbort = () => stream.fail(signal.reason as Error, true);
    signal.addEventListener('abort', onAbort, { once: true });
    let outcome: InferenceReplies['llm.stream'];
    try {
      outcome = await this.ask({ type: 'llm.stream', streamId: stream.id, replyTo: this.streams.self, request: { ...request, ...(options ? { stream_options: options } : {}) }, priority: 'online' }, signal);
    } catch (error) {
      signal.removeEventListener('abort', onAbort);
      // Unless the node is down, it may have started: it stops rather than stream to nobody.
      const down = error instanceof AttemptFailedError && error.failure.type === 'unreachable';
      stream.fail(error as Error, !down);
      throw error;
    }
    if (!outcome.ok) {
      signal.removeEventListener('abort', onAbort);
      const error = new AttemptFailedError(remoteFailure(outcome.failure, node));
      stream.fail(error, false);
      throw error;
    }
    // Once read to the end (or failed), the signal has nothing left to cancel.
    return {
      async *[Symbol.asyncIterator]() {
        try {
          yield* stream;
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      },
    };
  }

  async embed(body: EmbeddingCreateParams, signal: AbortSignal): Promise<CreateEmbeddingResponse> {
    const outcome = await this.ask({ type: 'llm.embed', request: body, priority: 'online' }, signal);
    if (!outcome.ok) throw new AttemptFailedError(remoteFailure(outcome.failure, this.ref.node));
    return outcome.response;
  }

  /** Up when the peer is heard from and its router has an endpoint up for this endpoint's first role. */
  async probe(signal: AbortSignal): Promise<ProbeResult> {
    try {
      const outcome = await this.ask({ type: 'llm.probe', role: this.endpoint.roles[0] ?? 'chat' }, signal);
      return outcome.ok ? { ok: true } : { ok: false, failure: remoteFailure(outcome.failure, this.ref.node) };
    } catch (error) {
      if (error instanceof AttemptFailedError) return { ok: false, failure: error.failure };
      throw error;
    }
  }

  async close(): Promise<void> {}

  /** One ask, bounded by the endpoint's total timeout and by `signal` (the router's own clocks). */
  private async ask<T extends keyof InferenceReplies>(msg: InferenceMessage & { type: T }, signal: AbortSignal): Promise<InferenceReplies[T]> {
    if (signal.aborted) throw signal.reason;
    const asked = askRemote(this.ref, msg as InferenceMessage & { type: keyof InferenceReplies }, this.endpoint.timeouts.totalMs) as Promise<InferenceReplies[T]>;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([asked, aborted]);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new AttemptFailedError(linkFailure(error, this.ref.node));
    } finally {
      signal.removeEventListener('abort', onAbort!);
      asked.catch(() => undefined);
    }
  }
}

/** A whole completion as the chunks a stream would have carried: role and text, the finish, then usage. */
function rechunk(c: ChatCompletion, usage: boolean): AsyncIterable<ChatCompletionChunk> {
  const base = { id: c.id, object: 'chat.completion.chunk' as const, created: c.created, model: c.model };
  const chunks: ChatCompletionChunk[] = [];
  for (const choice of c.choices) {
    const { role, content, tool_calls, refusal, ...rest } = choice.message as ChatCompletion.Choice['message'] & Record<string, unknown>;
    const extra = Object.fromEntries(Object.entries(rest).filter(([, v]) => typeof v === 'string' && v !== ''));
    const delta: Record<string, unknown> = { role, ...extra };
    if (content) delta.content = content;
    if (refusal) delta.refusal = refusal;
    if (tool_calls?.length) delta.tool_calls = tool_calls.map((t, index) => ({ index, ...t }));
    chunks.push({ ...base, choices: [{ index: choice.index, delta: delta as ChatCompletionChunk.Choice['delta'], finish_reason: null, logprobs: null }] });
    chunks.push({ ...base, choices: [{ index: choice.index, delta: {}, finish_reason: choice.finish_reason, logprobs: null }] });
  }
  if (usage && c.usage) chunks.push({ ...base, choices: [], usage: c.usage });
  return {
    async *[Symbol.asyncIterator]() {
      yield* chunks;
    },
  };
}
