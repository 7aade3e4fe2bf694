import { expect } from 'chai';
import { Value } from '@sinclair/typebox/value';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { LlmDeadlineError } from '../src/errors.js';
import { LlmConfigSchema, LlmRouter, OpenAiUpstream, type EndpointSettings, type EndpointSnapshot, type LlmConfig, type LlmEndpointConfig, type LlmRouterEvent, type Upstream } from '../src/inference/index.js';
import type { Clock } from '../src/runtime/clock.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { FakeLlmServer, fakeReply, type FakeLlmOptions } from './support/fake-llm-server.js';

function llmConfig(raw: Record<string, unknown>): LlmConfig {
  const config = Value.Default(LlmConfigSchema, Value.Clone(raw));
  expect([...Value.Errors(LlmConfigSchema, config)].map((e) => `${e.path}: ${e.message}`), 'test config').to.deep.equal([]);
  return config as LlmConfig;
}

const endpoint = (fake: FakeLlmServer, extra: Partial<LlmEndpointConfig> = {}): Partial<LlmEndpointConfig> => ({ name: fake.name, baseUrl: fake.baseUrl, kind: fake.options.flavor, ...extra });
const ask = (prompt: string) => ({ model: 'm', messages: [{ role: 'user' as const, content: prompt }] });
const posts = (fake: FakeLlmServer) => fake.requests.filter((r) => r.method === 'POST');
const byName = (router: LlmRouter) => Object.fromEntries(router.snapshot().endpoints.map((e) => [e.name, e])) as Record<string, EndpointSnapshot>;
const content = (c: ChatCompletion) => c.choices[0]!.message.content;

async function eventually(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('inference router: whole answers', function () {
  this.timeout(30_000);
  const fakes: FakeLlmServer[] = [];
  const routers: LlmRouter[] = [];
  const fake = async (options: FakeLlmOptions) => {
    const f = await FakeLlmServer.start(options);
    fakes.push(f);
    return f;
  };
  const router = (raw: Record<string, unknown>, deps: { clock?: Clock; upstream?: (s: EndpointSettings) => Upstream } = {}) => {
    const r = LlmRouter.fromConfig(llmConfig({ probe: { intervalMs: 0 }, ...raw }), { random: () => 0.5, ...deps });
    routers.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.stop()));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('asks for a whole answer as plain JSON by default (stream: false) and returns it under the model name the caller used', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    const r = router({ endpoints: [endpoint(gpu, { models: ['m'], upstreamModels: { m: 'Qwen/Qwen2.5-7B-Instruct' } })] });
    const events: LlmRouterEvent[] = [];
    r.inspect((e) => events.push(e));

    const answer = await r.chat(ask('hello'));

    expect(content(answer)).to.equal(fakeReply('gpu', 'hello'));
    expect(answer).to.include({ object: 'chat.completion', model: 'm' });
    expect(answer.usage).to.include({ completion_tokens: 3 });
    expect(posts(gpu).map((q) => ({ model: q.model, stream: q.stream }))).to.deep.equal([{ model: 'Qwen/Qwen2.5-7B-Instruct', stream: false }]);
    // No first token shows in a JSON answer: none is recorded.
    expect(events.find((e) => e.type === 'attempt')).to.include({ outcome: 'ok', firstTokenMs: null });
    expect(byName(r).gpu!.latency.firstTokenEwmaMs).to.equal(null);
  });

  it("with wholeAnswers: 'stream', asks for a stream and assembles it, first token timed", async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    const r = router({ endpoints: [endpoint(gpu, { wholeAnswers: 'stream' })] });
    const answer = await r.chat(ask('hello'));
    expect(content(answer)).to.equal(fakeReply('gpu', 'hello'));
    expect(answer).to.include({ object: 'chat.completion', model: 'm' });
    expect(answer.choices[0]!.finish_reason).to.equal('stop');
    expect(answer.usage).to.include({ completion_tokens: 3 });
    expect(posts(gpu).map((q) => q.stream)).to.deep.equal([true]);
    expect(byName(r).gpu!.latency.firstTokenEwmaMs).to.be.a('number');
  });

  it('fails over from a 503 busy, which cools the endpoint at once, as a streamed attempt would', async () => {
    const busy = await fake({ flavor: 'ollama', name: 'busy' });
    busy.set({ type: 'busy' });
    const spare = await fake({ flavor: 'vllm', name: 'spare' });
    const r = router({ endpoints: [endpoint(busy), endpoint(spare, { priority: 1 })] });
    expect(content(await r.chat(ask('x')))).to.equal(fakeReply('spare', 'x'));
    expect(byName(r).busy).to.include({ state: 'cooling', reason: 'busy: HTTP 503: server busy, please try again.  maximum pending requests exceeded' });
    expect([...posts(busy), ...posts(spare)].map((q) => q.stream)).to.deep.equal([false, false]);
  });

  it('fails over from a body cut mid-JSON and from a 200 whose body holds no choices', async () => {
    const garbled = await fake({ flavor: 'vllm', name: 'garbled' });
    garbled.set({ type: 'malformed' });
    const good = await fake({ flavor: 'vllm', name: 'good' });
    const errorIn200: Upstream = {
      chat: async () => ({ object: 'error', message: 'engine restarting', type: 'InternalServerError', code: 500 }) as unknown as ChatCompletion,
      chatStream: async () => (async function* () {})(),
      embed: async () => ({ object: 'list', data: [], model: 'm', usage: { prompt_tokens: 0, total_tokens: 0 } }),
      probe: async () => ({ ok: true }),
      close: async () => undefined,
    };
    const r = router(
      { endpoints: [endpoint(garbled), { name: 'hollow', baseUrl: 'http://127.0.0.1:9/v1' }, endpoint(good, { priority: 1 })], cooldown: { failureThreshold: 1 } },
      { upstream: (s) => (s.name === 'hollow' ? errorIn200 : new OpenAiUpstream(s)) },
    );
    expect(content(await r.chat(ask('x')))).to.equal(fakeReply('good', 'x'));
    const s = byName(r);
    expect(s.garbled!.reason).to.match(/^malformed: not JSON/);
    expect(s.hollow!.reason).to.equal('malformed: an error in a 200 answer: engine restarting');
    expect(s.good).to.include({ state: 'up', requests: 1, errors: 0 });
  });

  it('is guarded by totalMs, not firstTokenMs: a held answer fails over once totalMs has passed', async () => {
    const clock = new ManualClock(Date.now());
    const stuck = await fake({ flavor: 'vllm', name: 'stuck' });
    stuck.set({ type: 'hold' });
    const spare = await fake({ flavor: 'ollama', name: 'spare' });
    const r = router({ endpoints: [endpoint(stuck, { timeouts: { firstTokenMs: 1_000, totalMs: 5_000 } }), endpoint(spare, { priority: 1 })], retry: { jitterMs: 0 } }, { clock });

    const answer = r.chat(ask('x'), { deadlineMs: 60_000 });
    await eventually(() => stuck.heldCount === 1, 'the request to be held');
    clock.advance(1_000);
    expect(byName(r).stuck).to.include({ inFlight: 1, errors: 0 });
    clock.advance(4_000);
    expect(content(await answer)).to.equal(fakeReply('spare', 'x'));
    expect(byName(r).stuck).to.deep.include({ inFlight: 0, errorsByType: { 'total-timeout': 1 } });
    await eventually(() => stuck.inFlight === 0, 'the held request to be closed upstream');
  });

  it('stops at the deadline with LlmDeadlineError, without holding the wait against the endpoint', async () => {
    const clock = new ManualClock(Date.now());
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    gpu.set({ type: 'hold' });
    const r = router({ endpoints: [endpoint(gpu)] }, { clock });
    const failed = r.chat(ask('x'), { deadlineMs: 2_000 }).catch((e: unknown) => e);
    await eventually(() => gpu.heldCount === 1, 'the request to be held');
    clock.advance(2_000);
    expect(await failed).to.be.instanceOf(LlmDeadlineError);
    expect(byName(r).gpu).to.include({ state: 'up', errors: 0, inFlight: 0 });
  });
});
