import { expect } from 'chai';
import { Value } from '@sinclair/typebox/value';
import { LlmDeadlineError, LlmNoRouteError, LlmRequestRejectedError, LlmUnavailableError, LlmUpstreamError } from '../src/errors.js';
import { LlmConfigSchema, LlmRouter, type EndpointSnapshot, type LlmConfig, type LlmEndpointConfig } from '../src/inference/index.js';
import type { Clock, Random } from '../src/runtime/clock.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { FakeLlmServer, fakeEmbedding, fakeReply, type FakeLlmOptions } from './support/fake-llm-server.js';

/** A small deterministic PRNG (mulberry32), so weighted choices repeat run to run. */
function seeded(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The `llm` config section as `loadConfig` would leave it: defaults applied, checked. */
function llmConfig(raw: Record<string, unknown>): LlmConfig {
  const config = Value.Default(LlmConfigSchema, Value.Clone(raw));
  const errors = [...Value.Errors(LlmConfigSchema, config)].map((e) => `${e.path}: ${e.message}`);
  expect(errors, 'test config').to.deep.equal([]);
  return config as LlmConfig;
}

function endpoint(fake: FakeLlmServer, extra: Partial<LlmEndpointConfig> = {}): Partial<LlmEndpointConfig> {
  return { name: fake.name, baseUrl: fake.baseUrl, kind: fake.options.flavor, ...extra };
}

const ask = (prompt: string) => ({ model: 'm', messages: [{ role: 'user' as const, content: prompt }] });
const posts = (fake: FakeLlmServer) => fake.requests.filter((r) => r.method === 'POST');
const byName = (router: LlmRouter) => Object.fromEntries(router.snapshot().endpoints.map((e) => [e.name, e])) as Record<string, EndpointSnapshot>;

/** Polls `condition` until it holds (real time, bounded): for effects of real HTTP the test cannot await. */
async function eventually(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function collect(stream: AsyncIterable<{ choices: { delta: { content?: string | null } }[] }>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  return text;
}

describe('inference router', function () {
  this.timeout(30_000);
  const fakes: FakeLlmServer[] = [];
  const routers: LlmRouter[] = [];
  const fake = async (options: FakeLlmOptions) => {
    const f = await FakeLlmServer.start(options);
    fakes.push(f);
    return f;
  };
  const router = (raw: Record<string, unknown>, deps: { clock?: Clock; random?: Random } = {}) => {
    const r = LlmRouter.fromConfig(llmConfig(raw), { random: seeded(7), ...deps });
    routers.push(r);
    return r;
  };
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.stop()));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('completes every request on the healthy endpoint while four others fail four ways, and says why each is cooling or down', async () => {
    const down = await fake({ flavor: 'vllm', name: 'down' });
    await down.stop();
    const slow = await fake({ flavor: 'vllm', name: 'slow' });
    slow.set({ type: 'slow-first-token', delayMs: 20_000 });
    const busy = await fake({ flavor: 'ollama', name: 'busy' });
    busy.set({ type: 'busy' });
    const broken = await fake({ flavor: 'vllm', name: 'broken' });
    broken.set({ type: 'error-in-stream', afterChunks: 0, message: 'CUDA error: an illegal memory access was encountered' });
    const healthy = await fake({ flavor: 'ollama', name: 'healthy' });
    const r = router({
      // The failing four are preferred, so every request meets whichever of them still takes traffic.
      endpoints: [endpoint(down), endpoint(slow, { timeouts: { firstTokenMs: 300 } }), endpoint(busy), endpoint(broken), endpoint(healthy, { priority: 1 })],
      // Whole answers go as streams too, so they meet the first-token guard and the error inside the stream.
      defaults: { wholeAnswers: 'stream' },
      probe: { intervalMs: 0 },
      cooldown: { baseMs: 60_000 },
    });

    const answers: string[] = [];
    for (let i = 0; i < 3; i++) answers.push((await r.chat(ask(`q${i}`), { deadlineMs: 10_000 })).choices[0]!.message.content!);
    const streamed = await Promise.all(Array.from({ length: 10 }, async (_, i) => collect(await r.chatStream(ask(`s${i}`), { deadlineMs: 10_000 }))));

    expect(answers).to.deep.equal([0, 1, 2].map((i) => fakeReply('healthy', `q${i}`)));
    expect(streamed).to.deep.equal(Array.from({ length: 10 }, (_, i) => fakeReply('healthy', `s${i}`)));
    const s = byName(r);
    expect(s.down).to.include({ state: 'down' });
    expect(s.down!.reason).to.match(/^unreachable: cannot connect \(ECONNREFUSED\)/);
    expect(s.slow).to.include({ state: 'cooling', reason: 'first-token-timeout: no token within 300 ms' });
    expect(s.busy).to.include({ state: 'cooling' });
    expect(s.busy!.reason).to.equal('busy: HTTP 503: server busy, please try again.  maximum pending requests exceeded');
    expect(s.broken).to.include({ state: 'cooling' });
    expect(s.broken!.reason).to.equal('stream-error: error inside the stream: CUDA error: an illegal memory access was encountered');
    expect(s.healthy).to.include({ state: 'up', requests: 13, errors: 0, inFlight: 0 });
    // Each failing endpoint cost one request, the broken one three (its errors cool it only in a row).
    expect([posts(slow).length, posts(busy).length, posts(broken).length, posts(healthy).length]).to.deep.equal([1, 1, 3, 13]);
    expect(s.broken!.errorsByType).to.deep.equal({ 'stream-error': 3 });
  });

  it('uses an endpoint that comes back again after a half-open probe; a failed trial keeps it down for twice as long', async () => {
    const clock = new ManualClock(Date.now());
    const primary = await fake({ flavor: 'vllm', name: 'primary' });
    const backup = await fake({ flavor: 'ollama', name: 'backup' });
    const r = router(
      { endpoints: [endpoint(primary), endpoint(backup, { priority: 1 })], probe: { intervalMs: 3_600_000 }, cooldown: { baseMs: 1_000, multiplier: 2, jitter: 0.2 }, retry: { jitterMs: 0 } },
      { clock, random: () => 0.5 },
    );
    r.start();
    await r.probeNow();
    expect(byName(r).primary!.state).to.equal('up');

    await primary.stop();
    expect((await r.chat(ask('one'))).choices[0]!.message.content).to.equal(fakeReply('backup', 'one'));
    let p = byName(r).primary!;
    expect(p).to.include({ state: 'down', trips: 1 });
    expect(p.cooldownUntil! - clock.now()).to.equal(1_000);

    clock.advance(1_000); // the trial probe is due, and the port is still closed
    await eventually(() => byName(r).primary!.trips === 2, 'the failed trial');
    p = byName(r).primary!;
    expect(p.state).to.equal('down');
    expect(p.cooldownUntil! - clock.now()).to.equal(2_000);
    expect((await r.chat(ask('two'))).choices[0]!.message.content).to.equal(fakeReply('backup', 'two'));

    await primary.start();
    clock.advance(1_999);
    expect(byName(r).primary!.state).to.equal('down');
    clock.advance(1);
    await eventually(() => byName(r).primary!.state === 'up', 'the successful trial');
    expect((await r.chat(ask('three'))).choices[0]!.message.content).to.equal(fakeReply('primary', 'three'));
    expect(posts(primary).map((q) => q.prompt)).to.deep.equal(['three']);
  });

  it('a cooling endpoint takes one trial request when its cooldown ends; success brings it back up', async () => {
    const clock = new ManualClock(Date.now());
    const flaky = await fake({ flavor: 'vllm', name: 'flaky' });
    const spare = await fake({ flavor: 'ollama', name: 'spare' });
    const r = router({ endpoints: [endpoint(flaky), endpoint(spare, { priority: 1 })], probe: { intervalMs: 0 }, cooldown: { baseMs: 5_000, jitter: 0 }, retry: { jitterMs: 0 } }, { clock });
    flaky.set({ type: 'busy' });
    await r.chat(ask('a'));
    expect(byName(r).flaky).to.include({ state: 'cooling', halfOpen: false });
    flaky.set({ type: 'ok' });
    clock.advance(5_000);
    expect(byName(r).flaky).to.include({ state: 'cooling', halfOpen: true });
    expect((await r.chat(ask('b'))).choices[0]!.message.content).to.equal(fakeReply('flaky', 'b'));
    expect(byName(r).flaky).to.include({ state: 'up', trips: 0, reason: null });
  });

  it('honours Retry-After, in seconds or as an HTTP date: the endpoint is not used before the time it asked for', async () => {
    const clock = new ManualClock(Date.now());
    const limited = await fake({ flavor: 'vllm', name: 'limited' });
    const spare = await fake({ flavor: 'ollama', name: 'spare' });
    const r = router({ endpoints: [endpoint(limited), endpoint(spare, { priority: 1 })], probe: { intervalMs: 0 }, retry: { jitterMs: 0 } }, { clock });
    const answerer = async (prompt: string) => (await r.chat(ask(prompt))).choices[0]!.message.content!.split(' ')[0];

    limited.set({ type: 'rate-limited', retryAfter: '30' });
    expect(await answerer('a')).to.equal('spare');
    expect(byName(r).limited!.reason).to.equal('rate-limited: HTTP 429: Too many requests; slow down (retry after 30 s)');
    limited.set({ type: 'ok' });
    clock.advance(29_999);
    expect(await answerer('b')).to.equal('spare');
    clock.advance(1);
    expect(await answerer('c')).to.equal('limited');

    const at = new Date(clock.now() + 120_000);
    limited.set({ type: 'rate-limited', retryAfter: at.toUTCString() });
    expect(await answerer('d')).to.equal('spare');
    limited.set({ type: 'ok' });
    // HTTP dates have whole seconds: the cooldown ends at the date's second, not before.
    const ends = Math.floor(at.getTime() / 1000) * 1000;
    expect(byName(r).limited!.cooldownUntil).to.equal(ends);
    clock.advance(ends - clock.now() - 1);
    expect(await answerer('e')).to.equal('spare');
    clock.advance(1);
    expect(await answerer('f')).to.equal('limited');
    expect(posts(limited).map((q) => q.prompt)).to.deep.equal(['a', 'c', 'd', 'f']);
  });

  it('waits for a cooling endpoint within the deadline when offline, but answers an online request at once when the wait is long', async () => {
    const clock = new ManualClock(Date.now());
    const only = await fake({ flavor: 'vllm', name: 'only' });
    const r = router({ endpoints: [endpoint(only)], probe: { intervalMs: 0 }, retry: { jitterMs: 0, onlineWaitMs: 2_000 } }, { clock });
    only.set({ type: 'rate-limited', retryAfter: '5' });
    const online = (await r.chat(ask('now')).catch((e: unknown) => e)) as LlmUnavailableError;
    expect(online).to.be.instanceOf(LlmUnavailableError);
    expect(online.retryAfterMs).to.equal(5_000);

    only.set({ type: 'ok' });
    const offline = r.chat(ask('later'), { priority: 'offline' });
    await eventually(() => clock.pendingDelays().includes(5_000), 'the offline request to wait for the cooldown');
    expect(posts(only)).to.have.length(1);
    clock.advance(5_000);
    expect((await offline).choices[0]!.message.content).to.equal(fakeReply('only', 'later'));

    only.set({ type: 'rate-limited', retryAfter: '1' });
    const brief = r.chat(ask('brief'));
    await eventually(() => clock.pendingDelays().includes(1_000), 'the online request to wait out a short cooldown');
    only.set({ type: 'ok' });
    clock.advance(1_000);
    expect((await brief).choices[0]!.message.content).to.equal(fakeReply('only', 'brief'));
    expect(posts(only).map((q) => q.prompt)).to.deep.equal(['now', 'later', 'brief', 'brief']);
  });

  it('under saturation (one slot), serves queued online requests before queued offline ones', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    const r = router({ endpoints: [endpoint(gpu, { concurrency: 1 })], probe: { intervalMs: 0 } });
    gpu.set({ type: 'hold' });
    const first = r.chat(ask('first'), { priority: 'offline' });
    await eventually(() => gpu.heldCount === 1, 'the first request to occupy the slot');
    const queued = [
      r.chat(ask('off-1'), { priority: 'offline' }),
      r.chat(ask('off-2'), { priority: 'offline' }),
      r.chat(ask('on-1'), { priority: 'online' }),
      r.chat(ask('on-2')),
    ];
    await eventually(() => byName(r).gpu!.queued.online === 2 && byName(r).gpu!.queued.offline === 2, 'four queued requests');
    gpu.set({ type: 'ok' });
    gpu.release();
    const answers = await Promise.all([first, ...queued]);

    expect(posts(gpu).map((q) => q.prompt)).to.deep.equal(['first', 'on-1', 'on-2', 'off-1', 'off-2']);
    expect(answers.map((a) => a.choices[0]!.message.content)).to.deep.equal(['first', 'off-1', 'off-2', 'on-1', 'on-2'].map((p) => fakeReply('gpu', p)));
    expect(gpu.maxInFlight).to.equal(1);
  });

  it('never has more requests in flight at an endpoint than its concurrency cap', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu', tokenDelayMs: 2 });
    const r = router({ endpoints: [endpoint(gpu, { concurrency: 3 })], probe: { intervalMs: 0 } });
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => r.chat(ask(`n${i}`))));
    expect(answers).to.have.length(24);
    expect(gpu.maxInFlight).to.be.at.most(3);
    expect(byName(r).gpu).to.include({ requests: 24, inFlight: 0 });
  });

  it('parses both error shapes: the message of a refusal reaches the caller, and it is not retried elsewhere', async () => {
    for (const flavor of ['vllm', 'ollama'] as const) {
      const strict = await fake({ flavor, name: `strict-${flavor}`, contextLength: 4096 });
      const other = await fake({ flavor: 'ollama', name: `other-${flavor}` });
      const r = router({ endpoints: [endpoint(strict), endpoint(other, { priority: 1 })], probe: { intervalMs: 0 } });
      const error = await r.chat({ ...ask('long'), max_tokens: 100_000 }).then(() => undefined, (e: unknown) => e);
      expect(error, flavor).to.be.instanceOf(LlmRequestRejectedError);
      expect((error as LlmRequestRejectedError).status).to.equal(400);
      expect((error as Error).message).to.include("This model's maximum context length is 4096 tokens");
      expect(posts(other), flavor).to.have.length(0);
      expect(byName(r)[`strict-${flavor}`]).to.include({ state: 'up' });
    }
  });

  it('names why every endpoint failed, from either error shape, when none can answer', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    const mac = await fake({ flavor: 'ollama', name: 'mac' });
    gpu.set({ type: 'http-error', status: 500, message: 'vLLM says the KV cache is corrupt' });
    mac.set({ type: 'http-error', status: 500, message: 'Ollama says the runner crashed' });
    const r = router({ endpoints: [endpoint(gpu), endpoint(mac)], probe: { intervalMs: 0 }, retry: { maxAttempts: 2 } });
    const error = (await r.chat(ask('x')).catch((e: unknown) => e)) as LlmUnavailableError;
    expect(error).to.be.instanceOf(LlmUnavailableError);
    expect(error.attempts.map((a) => a.endpoint).sort()).to.deep.equal(['gpu', 'mac']);
    expect(error.message).to.include('gpu: server-error: HTTP 500: vLLM says the KV cache is corrupt');
    expect(error.message).to.include('mac: server-error: HTTP 500: Ollama says the runner crashed');
  });

  it("fails over from vLLM's flat error chunk inside a 200 stream, and from a body cut mid-JSON", async () => {
    const flat = await fake({ flavor: 'vllm', name: 'flat' });
    flat.set({ type: 'error-in-stream', afterChunks: 0, shape: 'flat', message: 'engine overloaded mid-stream' });
    const garbled = await fake({ flavor: 'vllm', name: 'garbled' });
    garbled.set({ type: 'malformed' });
    const good = await fake({ flavor: 'vllm', name: 'good' });
    const r = router({ endpoints: [endpoint(flat), endpoint(garbled), endpoint(good, { priority: 1 })], probe: { intervalMs: 0 }, cooldown: { failureThreshold: 1 } });
    expect(await collect(await r.chatStream(ask('x')))).to.equal(fakeReply('good', 'x'));
    const s = byName(r);
    expect(s.flat!.reason).to.equal('stream-error: error inside the stream: engine overloaded mid-stream');
    expect(s.garbled!.reason).to.match(/^malformed: not JSON/);
  });

  it('surfaces an error that comes after tokens reached the caller; a whole-answer call fails over instead', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    gpu.set({ type: 'error-in-stream', afterChunks: 2, message: 'CUDA out of memory' });
    const mac = await fake({ flavor: 'ollama', name: 'mac' });
    const r = router({ endpoints: [endpoint(gpu), endpoint(mac, { priority: 1 })], probe: { intervalMs: 0 } });

    const stream = await r.chatStream(ask('tell me more'));
    expect(stream.endpoint).to.equal('gpu');
    const received: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LlmUpstreamError);
    expect((error as Error).message).to.equal('endpoint gpu failed mid-answer (stream-error): CUDA out of memory');
    expect(received.join('')).to.equal('gpu heard:');
    expect(posts(mac)).to.have.length(0);

    expect((await r.chat(ask('again'))).choices[0]!.message.content).to.equal(fakeReply('mac', 'again'));
  });

  it('stops at the deadline with LlmDeadlineError, without holding the stall against the endpoint', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    gpu.set({ type: 'slow-first-token', delayMs: 20_000 });
    const r = router({ endpoints: [endpoint(gpu)], probe: { intervalMs: 0 } });
    const error = await r.chat(ask('x'), { deadlineMs: 150 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LlmDeadlineError);
    expect((error as LlmDeadlineError).status).to.equal(504);
    expect(byName(r).gpu).to.include({ state: 'up', errors: 0, inFlight: 0 });
  });

  it('fails at once, saying why, when every endpoint is down; an unknown model has no route', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    await gpu.stop();
    const r = router({ endpoints: [endpoint(gpu, { models: ['m'] })], probe: { intervalMs: 0 } });
    const first = (await r.chat(ask('x')).catch((e: unknown) => e)) as LlmUnavailableError;
    expect(first).to.be.instanceOf(LlmUnavailableError);
    expect(first.message).to.match(/gpu: unreachable: cannot connect \(ECONNREFUSED\)/);
    const second = (await r.chat(ask('y')).catch((e: unknown) => e)) as LlmUnavailableError;
    expect(second.message).to.match(/gpu: down: down for \d+ s more after unreachable/);
    expect(second.retryAfterMs).to.be.greaterThan(0);
    const unknown = await r.chat({ ...ask('z'), model: 'nope' }).catch((e: unknown) => e);
    expect(unknown).to.be.instanceOf(LlmNoRouteError);
    expect((unknown as Error).message).to.equal('no endpoint serves chat for model "nope"; models served: m');
  });

  it("takes down a vLLM whose /health says its engine is dead before any request pays for it", async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    gpu.set({ type: 'engine-dead' });
    const mac = await fake({ flavor: 'ollama', name: 'mac' });
    const r = router({ endpoints: [endpoint(gpu), endpoint(mac, { priority: 1 })], probe: { intervalMs: 3_600_000 } });
    await r.probeNow();
    const s = byName(r);
    expect(s.gpu).to.include({ state: 'down' });
    expect(s.gpu!.reason).to.match(/^engine-dead: probe http:\/\/127\.0\.0\.1:\d+\/health answered 503/);
    expect(s.mac!.lastProbe).to.include({ ok: true });
    expect((await r.chat(ask('x'))).choices[0]!.message.content).to.equal(fakeReply('mac', 'x'));
    expect(posts(gpu)).to.have.length(0);
  });

  it("sends what overflows Ollama's queue elsewhere, and lets the request it was answering finish", async () => {
    const mac = await fake({ flavor: 'ollama', name: 'mac', maxPending: 1 });
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    const r = router({ endpoints: [endpoint(mac, { concurrency: 4 }), endpoint(gpu, { priority: 1 })], probe: { intervalMs: 0 } });
    mac.set({ type: 'hold' });
    const first = r.chat(ask('first'));
    await eventually(() => mac.heldCount === 1, 'the first request to be in progress at the Mac');
    const second = await r.chat(ask('second'));
    expect(second.choices[0]!.message.content).to.equal(fakeReply('gpu', 'second'));
    expect(byName(r).mac!.reason).to.equal('busy: HTTP 503: server busy, please try again.  maximum pending requests exceeded');
    mac.set({ type: 'ok' });
    mac.release();
    expect((await first).choices[0]!.message.content).to.equal(fakeReply('mac', 'first'));
    // An answer to a request sent before the 503 does not end the cooldown the 503 began.
    expect(byName(r).mac!.state).to.equal('cooling');
  });

  it('probes each kind its own way: vLLM GET /health, Ollama GET /, any other GET /v1/models', async () => {
    const vllm = await fake({ flavor: 'vllm', name: 'vllm' });
    const ollama = await fake({ flavor: 'ollama', name: 'ollama' });
    const other = await fake({ flavor: 'vllm', name: 'other' });
    const r = router({ endpoints: [endpoint(vllm), endpoint(ollama), endpoint(other, { kind: 'openai' })], probe: { intervalMs: 3_600_000 } });
    await r.probeNow();
    expect([vllm, ollama, other].map((f) => f.requests.map((q) => `${q.method} ${q.path}`))).to.deep.equal([['GET /health'], ['GET /'], ['GET /v1/models']]);
    expect(r.snapshot().endpoints.map((e) => e.lastProbe?.ok)).to.deep.equal([true, true, true]);
  });

  it('embeds through the endpoint with the embeddings role, under the name that endpoint knows the model by', async () => {
    const chatOnly = await fake({ flavor: 'vllm', name: 'chat-only' });
    const mac = await fake({ flavor: 'ollama', name: 'mac', models: ['nomic-embed-text:latest'], embeddingDims: 16 });
    const r = router({
      endpoints: [
        endpoint(chatOnly, { role: 'chat' }),
        endpoint(mac, { role: ['embeddings', 'chat'], models: ['nomic-embed'], upstreamModels: { 'nomic-embed': 'nomic-embed-text:latest' } }),
      ],
      probe: { intervalMs: 0 },
    });
    const response = await r.embed({ model: 'nomic-embed', input: ['alpha', 'beta'] });
    expect(response.model).to.equal('nomic-embed');
    expect(response.data.map((d) => d.embedding)).to.deep.equal([fakeEmbedding('alpha', 16), fakeEmbedding('beta', 16)]);
    expect(posts(mac).map((q) => q.model)).to.deep.equal(['nomic-embed-text:latest']);
    expect(posts(chatOnly)).to.have.length(0);
  });

  it('frees the slot of a stream handed over but never read once its deadline passes', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu', tokenDelayMs: 20 });
    const r = router({ endpoints: [endpoint(gpu, { concurrency: 1 })], probe: { intervalMs: 0 } });
    const unread = await r.chatStream(ask('never read'), { deadlineMs: 1_000 });
    expect(unread.endpoint).to.equal('gpu');
    expect((await r.chat(ask('next'), { deadlineMs: 10_000 })).choices[0]!.message.content).to.equal(fakeReply('gpu', 'next'));
    const late = await collect(unread).catch((e: unknown) => e);
    expect(late).to.be.instanceOf(LlmDeadlineError);
  });

  it('cancels an upstream request when the caller aborts, and frees its slot', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    gpu.set({ type: 'hold' });
    const r = router({ endpoints: [endpoint(gpu, { concurrency: 1 })], probe: { intervalMs: 0 } });
    const controller = new AbortController();
    const pending = r.chat(ask('x'), { signal: controller.signal }).catch((e: unknown) => e);
    await eventually(() => gpu.heldCount === 1, 'the request to arrive');
    controller.abort();
    expect((await pending as Error).name).to.equal('LlmCancelledError');
    await eventually(() => gpu.inFlight === 0, 'the upstream request to be closed');
    expect(byName(r).gpu).to.include({ inFlight: 0, errors: 0 });
  });
});
