import { randomBytes } from 'node:crypto';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { StreamFrameMessage } from '../protocols/link-inference.js';
import type { Behavior } from '../supervisors/index.js';

type Frame = Extract<StreamFrameMessage, { type: 'llm.stream.frame' }>;

/** How a stream from another node ends, as its reader sees it. */
export type StreamEnd = { readonly ok: true } | { readonly ok: false; readonly error: Error };

/**
 * One chat stream coming from another node: its frames arrive as link tells, at least once and in
 * any order after a retransmission, so they are put back in `seq` order and each taken once; the
 * reader gets the chunks as they come and the end (or the error) after the last of them.
 */
export class RemoteChatStream implements AsyncIterable<ChatCompletionChunk> {
  private nextSeq = 0;
  private readonly early = new Map<number, Frame>();
  private readonly ready: ChatCompletionChunk[] = [];
  private ended: StreamEnd | undefined;
  private wake: (() => void) | undefined;
  private used = false;

  constructor(
    readonly id: string,
    readonly peer: string,
    /** The failure a remote `end` frame carries, as this node's error. */
    private readonly failureOf: (failure: Extract<NonNullable<Frame['end']>, { ok: false }>['failure']) => Error,
    /** Tells the remote node to stop (the reader left early, or its signal aborted). */
    private readonly cancelRemote: () => void,
    private readonly forget: () => void,
  ) {}

  /** A frame from the link; a duplicate or one past the end is ignored. */
  frame(f: Frame): void {
    if (this.ended || f.seq < this.nextSeq || this.early.has(f.seq)) return;
    this.early.set(f.seq, f);
    for (let g = this.early.get(this.nextSeq); g; g = this.early.get(this.nextSeq)) {
      this.early.delete(this.nextSeq++);
      if (g.chunk) this.ready.push(g.chunk);
      if (g.end) {
        this.finish(g.end.ok ? { ok: true } : { ok: false, error: this.failureOf(g.end.failure) });
        break;
      }
    }
    this.poke();
  }

  /** Ends the stream from this side (the peer went down, the signal aborted); `cancel` tells the peer to stop. */
  fail(error: Error, cancel: boolean): void {
    if (this.ended) return;
    this.finish({ ok: false, error });
    if (cancel) this.cancelRemote();
    this.poke();
  }

  get done(): boolean {
    return this.ended !== undefined;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatCompletionChunk> {
    if (this.used) throw new Error('a remote chat stream can be read once');
    this.used = true;
    try {
      for (;;) {
        const chunk = this.ready.shift();
        if (chunk) {
          yield chunk;
          continue;
        }
        const end = this.ended;
        if (end) {
          if (!end.ok) throw end.error;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // Left before the end (a break, a throw in the reader's loop): the peer stops its upstream.
      if (!this.ended) {
        this.finish({ ok: false, error: new Error('the reader stopped reading') });
        this.cancelRemote();
      }
    }
  }

  private finish(end: StreamEnd): void {
    this.ended = end;
    this.early.clear();
    this.forget();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** This node's open remote streams, by id; the `streams` actor hands them their frames. */
export class RemoteStreams {
  private readonly open = new Map<string, RemoteChatStream>();
  private seq = 0;
  /** Frames for a stream that is no longer open (it ended or was cancelled here first). */
  lateFrames = 0;

  /** Ids are unique to this run of this node: a frame for a stream of an earlier run finds nothing. */
  private readonly run = randomBytes(6).toString('hex');

  constructor(private readonly self: string) {}

  get size(): number {
    return this.open.size;
  }

  /** A new stream from `peer`, registered before it is asked for, since frames may beat the answer. */
  create(peer: string, failureOf: ConstructorParameters<typeof RemoteChatStream>[2], cancelRemote: () => void): RemoteChatStream {
    const id = `${this.self}.${this.run}.${(this.seq++).toString(36)}`;
    const stream = new RemoteChatStream(id, peer, failureOf, cancelRemote, () => this.open.delete(id));
    this.open.set(id, stream);
    return stream;
  }

  frame(f: Frame): void {
    const stream = this.open.get(f.streamId);
    if (stream) stream.frame(f);
    else this.lateFrames++;
  }

  /** `peer` is down: its streams fail now rather than wait for their deadlines. */
  peerDown(peer: string, error: (stream: RemoteChatStream) => Error): void {
    for (const stream of [...this.open.values()]) if (stream.peer === peer) stream.fail(error(stream), false);
  }
}

/** The `streams` actor: where the frames of streams asked of other nodes arrive. */
export function streamsBehavior(streams: RemoteStreams): Behavior<StreamFrameMessage, null> {
  return {
    init: () => null,
    receive(state, msg) {
      streams.frame(msg);
      return state;
    },
    summary: () => ({ open: streams.size, lateFrames: streams.lateFrames }),
  };
}
