import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { LlmUpstreamError } from '../errors.js';
import type { Attempt } from './attempt.js';
import type { Call } from './call.js';
import { chunkError, finishes } from './chunks.js';
import { tokenUsageOf, type RequestOutcome, type TokenUsage } from './events.js';
import { AttemptFailedError, type AttemptAbort, type AttemptFailure } from './failure.js';

/** A routed chat completion stream: its first token is already in, so its endpoint is decided. */
export interface LlmChatStream extends AsyncIterable<ChatCompletionChunk> {
  /** The endpoint that answers. */
  readonly endpoint: string;
  /** Stops reading and cancels the upstream request (also what leaving a `for await` early does). */
  cancel(): void;
}

/**
 * The rest of a stream after the router handed it over: chunks held back until the first token,
 * then the upstream's. Failures from here on reach the caller (`LlmUpstreamError`, or the call's
 * deadline or cancellation): part of the answer is out, so there is no going elsewhere.
 */
export class RoutedChatStream implements LlmChatStream {
  private used = false;
  private finished = false;

  constructor(
    private readonly held: ChatCompletionChunk[],
    private readonly rest: AsyncIterator<ChatCompletionChunk>,
    private readonly attempt: Attempt,
    private readonly call: Call,
    private readonly model: string,
    private readonly onEnd: (outcome: RequestOutcome) => void,
  ) {
    // The deadline or the caller may end it while nobody reads it; the attempt has freed its slot.
    call.signal.addEventListener('abort', () => this.end((call.signal.reason as AttemptAbort).kind === 'deadline' ? 'deadline' : 'cancelled'), { once: true });
  }

  get endpoint(): string {
    return this.attempt.endpoint.name;
  }

  cancel(): void {
    this.attempt.abandon();
    this.end('cancelled');
  }

  private end(outcome: RequestOutcome): void {
    if (this.finished) return;
    this.finished = true;
    this.call.end();
    this.onEnd(outcome);
  }

  private failure(verdict: AttemptFailure | 'abandoned', cause?: unknown): Error {
    if (verdict === 'abandoned') {
      const error = this.call.abortError();
      this.end(error.status === 504 ? 'deadline' : 'cancelled');
      return error;
    }
    this.end('upstream-error');
    return new LlmUpstreamError(this.endpoint, verdict.type, verdict.upstream?.message ?? verdict.message, cause);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk> {
    if (this.used) throw new Error('a routed chat stream can be read once');
    this.used = true;
    let done = false;
    let finishSeen = false;
    // A stream carries usage in its last chunk when the caller asked for it (`stream_options`).
    let usage: TokenUsage | null = null;
    try {
      // Chunks are fresh objects parsed for this stream alone, so they are renamed in place.
      for (const chunk of this.held.splice(0)) {
        finishSeen ||= finishes(chunk);
        chunk.model = this.model;
        yield chunk;
      }
      for (;;) {
        let next: IteratorResult<ChatCompletionChunk>;
        try {
          next = await this.rest.next();
          const error = next.done ? undefined : chunkError(next.value);
          if (error) throw new AttemptFailedError({ type: 'stream-error', message: `error inside the stream: ${error.message}`, upstream: error });
        } catch (error) {
          done = true;
          throw this.failure(this.attempt.fail(error), error);
        }
        if (next.done) {
          done = true;
          if (!finishSeen) throw this.failure(this.attempt.failEnded({ type: 'stream-error', message: 'the stream ended before a finish_reason' }));
          this.attempt.succeed(usage);
          this.end('ok');
          return;
        }
        finishSeen ||= finishes(next.value);
        usage = tokenUsageOf(next.value) ?? usage;
        next.value.model = this.model;
        yield next.value;
      }
    } finally {
      // Left early by the consumer (break, return, a throw in its loop body).
      if (!done) this.cancel();
    }
  }
}
