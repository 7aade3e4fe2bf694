import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { FakeLlmServer } from './support/fake-llm-server.js';
import { LinkLab } from './support/link-lab.js';
import { apiKey, withKey } from './support/node-process.js';
import { until } from './support/until.js';

/** A streamed chat completion read frame by frame as it arrives, over a real HTTP connection. */
class ChatStreamReader {
  readonly frames: unknown[] = [];
  done = false;
  private buffer = '';
  private readonly reading: Promise<void>;
  private constructor(readonly status: number, body: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    this.reading = (async () => {
      try {
        for await (const bytes of body as unknown as AsyncIterable<Uint8Array>) {
          this.buffer += decoder.decode(bytes, { stream: true });
          let cut: number;
          while ((cut = this.buffer.indexOf('\n\n')) >= 0) {
            const data = this.buffer.slice(0, cut).replace(/^data: /, '');
            this.buffer = this.buffer.slice(cut + 2);
            if (data === '[DONE]') this.done = true;
            else this.frames.push(JSON.parse(data));
          }
        }
      } catch {
        // The test aborted the request.
      }
    })();
  }

  static async open(url: string, key: string, body: unknown, signal: AbortSignal, headers: Record<string, string> = {}): Promise<ChatStreamReader> {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { ...withKey(key), ...headers }, body: JSON.stringify(body), signal });
    return new ChatStreamReader(res.status, res.body!);
  }

  /** The answer's text so far. */
  get text(): string {
    return this.frames.map((f) => (f as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? '').join('');
  }

  get errors(): { message: string }[] {
    return this.frames.flatMap((f) => ((f as { error?: { message: string } }).error ? [(f as { error: { message: string } }).error] : []));
  }

  ended(): Promise<void> {
    return this.reading;
  }
}

/**
 * Streaming across the link, three real processes' worth of it: the main node's API streams a
 * chat completion served by the gpu node's router in front of a local vLLM fake that sends the
 * first words and holds the rest until the test lets them go.
 */
describe('streams across nodes: chunks flow from the gpu node as the upstream makes them', function () {
  this.timeout(180_000);
  let lab: LinkLab;
  let vllm: FakeLlmServer;
  afterEach(async () => {
    await lab?.close();
    for (const node of Object.values(lab?.nodes ?? {})) rmSync(node.dataDir, { recursive: true, force: true });
    await vllm?.close();
  });

  it('the first chunk reaches the main node before the upstream has finished; a caller leaving or a deadline stops the upstream on the gpu node', async () => {
    lab = await LinkLab.create();
    const answer = 'alpha bravo charlie delta echo foxtrot';
    vllm = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', models: ['qwen-7b'], reply: () => answer });
    vllm.set({ type: 'hold-mid-stream', afterChunks: 2 });
    // The gpu node's own deadline is far off: only a cancel from main can stop its upstream request in this test.
    lab.start('gpu', lab.env('gpu', { peers: ['main'], endpoints: [{ name: 'vllm', kind: 'vllm', baseUrl: vllm.baseUrl, models: ['qwen-7b'] }], extra: { PAPERD_LLM_DEADLINES_ONLINE_MS: '600000' } }));
    const key = apiKey(lab.nodes.main.dataDir, ['llm']);
    const main = lab.start('main', lab.env('main', { peers: ['gpu'], endpoints: [{ name: 'gpu', kind: 'remote', node: 'gpu', models: ['qwen-7b'] }] }));
    const url = await main.url;
    await until('endpoint gpu up on main', async () => {
      const body = (await (await fetch(`${url}/v1/llm/endpoints`, { headers: withKey(key, false) })).json()) as { endpoints: { name: string; state: string }[] };
      return body.endpoints.find((e) => e.name === 'gpu')?.state === 'up' ? true : undefined;
    }, 60_000);
    const ask = { model: 'qwen-7b', messages: [{ role: 'user', content: 'spell the alphabet' }], stream: true };
    const chats = () => vllm.requests.filter((r) => r.path === '/v1/chat/completions').length;

    // 1. The first words arrive while the fake still holds the rest.
    const first = await ChatStreamReader.open(url, key, ask, new AbortController().signal);
    expect(first.status).to.equal(200);
    await until('the first words at main', async () => (first.text.includes('bravo') ? true : undefined), 60_000);
    expect(vllm.inFlight, 'the upstream is still answering').to.equal(1);
    expect(first.done).to.equal(false);
    expect(first.text).to.equal('alpha bravo');
    vllm.release();
    await first.ended();
    expect(first.done).to.equal(true);
    expect(first.text).to.equal(answer);
    expect(first.errors).to.deep.equal([]);
    const finishes = first.frames.map((f) => (f as { choices?: { finish_reason?: string | null }[] }).choices?.[0]?.finish_reason).filter(Boolean);
    expect(finishes).to.deep.equal(['stop']);

    // 2. The caller hangs up mid-stream: the gpu node stops its upstream request, never released.
    const leaving = new AbortController();
    const second = await ChatStreamReader.open(url, key, ask, leaving.signal);
    await until('the second stream under way', async () => (second.text.includes('bravo') && chats() === 2 ? true : undefined), 60_000);
    expect(vllm.inFlight).to.equal(1);
    leaving.abort();
    await until('the upstream request withdrawn on gpu', async () => (vllm.inFlight === 0 ? true : undefined), 30_000);

    // 3. The deadline passes mid-stream: the caller gets the error in the stream, the upstream stops.
    const third = await ChatStreamReader.open(url, key, ask, new AbortController().signal, { 'x-paperd-deadline-ms': '3000' });
    await third.ended();
    expect(third.text).to.equal('alpha bravo');
    expect(third.errors).to.have.length(1);
    expect(third.done).to.equal(true);
    await until('the upstream request withdrawn after the deadline', async () => (vllm.inFlight === 0 ? true : undefined), 30_000);
    expect(chats()).to.equal(3);
  });
});
