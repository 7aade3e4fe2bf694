import { expect } from 'chai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { AttemptFailedError } from '../src/inference/failure.js';
import { RemoteStreams } from '../src/link/remote-streams.js';

const chunk = (text: string) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] }) as ChatCompletionChunk;
const textOf = (c: ChatCompletionChunk) => c.choices[0]?.delta.content ?? '';
const failureOf = (f: { type: string; message: string }) => new AttemptFailedError({ type: 'stream-error', message: `${f.type}: ${f.message}` });

/** Reads `n` chunks (or to the end) of a stream already handed to `iterator`. */
async function take(iterator: AsyncIterator<ChatCompletionChunk>, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(textOf(next.value));
  }
  return out;
}

describe('streams from other nodes: frames back in order, each once, and how a stream ends', () => {
  it('gives the chunks in seq order once each, whatever order and however often the frames arrive', async () => {
    const streams = new RemoteStreams('main');
    let cancels = 0;
    const stream = streams.create('gpu', failureOf, () => cancels++);
    const frame = (seq: number, extra: object) => streams.frame({ type: 'llm.stream.frame', streamId: stream.id, seq, ...extra });
    const it = stream[Symbol.asyncIterator]();
    const reading = take(it, 10);
    frame(2, { chunk: chunk('c') });
    frame(0, { chunk: chunk('a') });
    frame(0, { chunk: chunk('a') });
    frame(4, { end: { ok: true } });
    frame(1, { chunk: chunk('b') });
    frame(2, { chunk: chunk('c') });
    frame(3, { chunk: chunk('d') });
    expect(await reading).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(cancels, 'a stream read to its end is not cancelled').to.equal(0);
    expect(streams.size).to.equal(0);
    frame(5, { chunk: chunk('late') });
    expect(streams.lateFrames).to.equal(1);
  });

  it('ends with the failure its end frame carries, after the chunks before it', async () => {
    const streams = new RemoteStreams('main');
    const stream = streams.create('gpu', failureOf, () => undefined);
    streams.frame({ type: 'llm.stream.frame', streamId: stream.id, seq: 0, chunk: chunk('a') });
    streams.frame({ type: 'llm.stream.frame', streamId: stream.id, seq: 1, end: { ok: false, failure: { type: 'server-error', message: 'CUDA error' } } });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const c of stream) seen.push(textOf(c));
    })().catch((e: unknown) => e);
    expect(seen).to.deep.equal(['a']);
    expect(error).to.be.instanceOf(AttemptFailedError);
    expect((error as Error).message).to.equal('server-error: CUDA error');
  });

  it('tells the peer to stop once when the reader leaves early, and fails only the streams of a peer that went down', async () => {
    const streams = new RemoteStreams('main');
    let cancels = 0;
    const left = streams.create('gpu', failureOf, () => cancels++);
    const fromGpu = streams.create('gpu', failureOf, () => cancels++);
    const fromMac = streams.create('mac', failureOf, () => cancels++);
    streams.frame({ type: 'llm.stream.frame', streamId: left.id, seq: 0, chunk: chunk('a') });
    for await (const c of left) {
      expect(textOf(c)).to.equal('a');
      break;
    }
    expect(cancels).to.equal(1);
    streams.peerDown('gpu', () => new AttemptFailedError({ type: 'unreachable', message: 'gpu went down' }));
    const down = await take(fromGpu[Symbol.asyncIterator](), 1).catch((e: unknown) => e);
    expect((down as Error).message).to.equal('gpu went down');
    expect(cancels, 'a down peer is not sent a cancel').to.equal(1);
    expect(fromMac.done).to.equal(false);
    expect(streams.size).to.equal(1);
  });
});
