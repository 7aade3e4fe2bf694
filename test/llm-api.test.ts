import { expect } from 'chai';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import OpenAI, { APIError } from 'openai';
import { pino } from 'pino';
import { Registry as PromRegistry } from 'prom-client';
import { buildApi } from '../src/api/server.js';
import { createApiKey } from '../src/auth/api-keys.js';
import { LlmConfigSchema, LlmRouter, registerLlmMetrics, type LlmConfig, type LlmEndpointConfig } from '../src/inference/index.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { ActorSystem } from '../src/supervisors/index.js';
import { FakeLlmServer, fakeEmbedding, fakeReply } from './support/fake-llm-server.js';
import { tempDataDir } from './support/node-process.js';

/** paperd's API on loopback with the inference router over `endpoints`, keys for each scope tested. */
async function startApi(endpoints: Partial<LlmEndpointConfig>[], options: { openReads?: boolean } = {}) {
  const db = openDatabase(join(tempDataDir(), 'paperd.sqlite'));
  const system = new ActorSystem();
  await system.start(system.supervisor('root', []), () => {});
  const config = Value.Default(LlmConfigSchema, { endpoints, probe: { intervalMs: 0 }, cooldown: { baseMs: 60_000 } }) as LlmConfig;
  const router = LlmRouter.fromConfig(config);
  const prom = new PromRegistry();
  registerLlmMetrics(prom, router);
  const app = await buildApi({
    log: pino({ level: 'silent' }), node: 'single', registry: system.registry, db, prom, isReady: () => true, testHooks: false,
    bodyLimitBytes: 1 << 20, version: 'test', auth: { openReads: options.openReads ?? true, perMinuteKeyed: 100_000, perMinuteAnonymous: 100_000 },
    llm: { router },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const keys = { llm: createApiKey(db, ['llm']).key, read: createApiKey(db, ['read']).key, admin: createApiKey(db, ['admin']).key };
  const client = (key: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
  return { url, keys, router, prom, client, close: async () => (await router.stop(), await app.close(), await system.shutdown(), db.close()) };
}

const ask = (prompt: string) => ({ model: 'm', messages: [{ role: 'user' as const, content: prompt }] });
const post = (url: string, path: string, body: unknown, key?: string) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });

async function eventually(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('inference API', function () {
  this.timeout(30_000);
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  const fakes: FakeLlmServer[] = [];
  const fake = async (...args: Parameters<typeof FakeLlmServer.start>) => {
    const f = await FakeLlmServer.start(...args);
    fakes.push(f);
    return f;
  };
  afterEach(async () => {
    await api?.close();
    api = undefined;
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('streams a chat completion through the router to the official openai client', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    api = await startApi([{ name: 'gpu', baseUrl: gpu.baseUrl, kind: 'vllm' }]);
    const stream = await api.client(api.keys.llm).chat.completions.create({ ...ask('what is new in sparse attention'), stream: true });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).to.equal(fakeReply('gpu', 'what is new in sparse attention'));
    expect(finish).to.equal('stop');

    const raw = await post(api.url, '/v1/chat/completions', { ...ask('hi'), stream: true }, api.keys.llm);
    expect(raw.headers.get('content-type')).to.match(/^text\/event-stream/);
    const frames = (await raw.text()).split('\n\n').filter(Boolean);
    expect(frames.at(-1)).to.equal('data: [DONE]');
    for (const f of frames.slice(0, -1)) expect(JSON.parse(f.replace(/^data: /, ''))).to.include({ object: 'chat.completion.chunk', model: 'm' });
  });

  it('answers a whole chat completion, and embeddings as base64 (the openai default) and as floats', async () => {
    const mac = await fake({ flavor: 'ollama', name: 'mac', embeddingDims: 12 });
    api = await startApi([{ name: 'mac', baseUrl: mac.baseUrl, kind: 'ollama', role: ['chat', 'embeddings'] }]);
    const client = api.client(api.keys.llm);
    const completion = await client.chat.completions.create(ask('summarise'));
    expect(completion.choices[0]!.message.content).to.equal(fakeReply('mac', 'summarise'));
    expect(completion.usage?.completion_tokens).to.be.greaterThan(0);

    const viaBase64 = await client.embeddings.create({ model: 'm', input: ['alpha', 'beta'] });
    expect(viaBase64.data.map((d) => d.embedding)).to.deep.equal([fakeEmbedding('alpha', 12), fakeEmbedding('beta', 12)]);
    const asFloats = await client.embeddings.create({ model: 'm', input: 'gamma', encoding_format: 'float' });
    expect(asFloats.data[0]!.embedding).to.deep.equal(fakeEmbedding('gamma', 12));
  });

  it('refuses chat and embeddings without a key (401) and with a read-only key (403); llm and admin keys may', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    api = await startApi([{ name: 'gpu', baseUrl: gpu.baseUrl, kind: 'vllm', role: ['chat', 'embeddings'] }]);
    for (const [path, body] of [['/v1/chat/completions', ask('x')], ['/v1/embeddings', { model: 'm', input: 'x' }]] as const) {
      const none = await post(api.url, path, body);
      expect(none.status, path).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.match(/^Bearer/);
      expect(((await none.json()) as { error: { code: string } }).error.code).to.equal('PAPERD_UNAUTHORIZED');
      const reader = await post(api.url, path, body, api.keys.read);
      expect(reader.status, path).to.equal(403);
      expect(((await reader.json()) as { error: { code: string } }).error.code).to.equal('PAPERD_FORBIDDEN');
      for (const key of [api.keys.llm, api.keys.admin]) expect((await post(api.url, path, body, key)).status, path).to.equal(200);
    }
    expect(gpu.requests.filter((r) => r.method === 'POST')).to.have.length(4);
  });

  it('lists each endpoint with its state and why, latency and counts; a read key (or none, with open reads) may see it', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    const gone = await fake({ flavor: 'vllm', name: 'gone' });
    await gone.stop();
    api = await startApi([{ name: 'gone', baseUrl: gone.baseUrl, kind: 'vllm' }, { name: 'gpu', baseUrl: gpu.baseUrl, kind: 'vllm', priority: 1 }], { openReads: false });
    for (let i = 0; i < 3; i++) await api.client(api.keys.llm).chat.completions.create(ask(`q${i}`));

    expect((await fetch(`${api.url}/v1/llm/endpoints`)).status).to.equal(401);
    const response = await fetch(`${api.url}/v1/llm/endpoints`, { headers: { authorization: `Bearer ${api.keys.read}` } });
    expect(response.status).to.equal(200);
    const { endpoints } = (await response.json()) as { endpoints: { name: string; state: string; reason: string | null; requests: number; errors: number; inFlight: number; latency: { p50Ms: number | null; samples: number } }[] };
    const [goneState, gpuState] = endpoints;
    expect(goneState).to.include({ name: 'gone', state: 'down', requests: 1, errors: 1 });
    expect(goneState!.reason).to.match(/^unreachable: cannot connect \(ECONNREFUSED\)/);
    expect(gpuState).to.include({ name: 'gpu', state: 'up', reason: null, requests: 3, errors: 0, inFlight: 0 });
    expect(gpuState!.latency.samples).to.equal(3);
    expect(gpuState!.latency.p50Ms).to.be.a('number');
  });

  it("answers 503 in OpenAI's error shape, with why and Retry-After, when no endpoint can answer", async () => {
    const mac = await fake({ flavor: 'ollama', name: 'mac' });
    mac.set({ type: 'busy' });
    api = await startApi([{ name: 'mac', baseUrl: mac.baseUrl, kind: 'ollama' }]);
    const error = await api.client(api.keys.llm).chat.completions.create(ask('x')).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(APIError);
    expect((error as APIError).status).to.equal(503);
    expect((error as APIError).code).to.equal('PAPERD_LLM_UNAVAILABLE');
    expect((error as APIError).message).to.include('mac: busy: HTTP 503: server busy, please try again.  maximum pending requests exceeded');
    const raw = await post(api.url, '/v1/chat/completions', ask('y'), api.keys.llm);
    expect(raw.status).to.equal(503);
    // The cooldown it is in: 60 s ± 20 % jitter.
    expect(Number(raw.headers.get('retry-after'))).to.be.within(48, 72);
  });

  it('relays an error that comes after the first tokens as a stream event the openai client raises', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    gpu.set({ type: 'error-in-stream', afterChunks: 2, message: 'CUDA out of memory' });
    api = await startApi([{ name: 'gpu', baseUrl: gpu.baseUrl, kind: 'vllm' }]);
    const stream = await api.client(api.keys.llm).chat.completions.create({ ...ask('x'), stream: true });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text).to.equal('gpu heard:');
    expect(error).to.be.instanceOf(APIError);
    expect((error as APIError).message).to.equal('endpoint gpu failed mid-answer (stream-error): CUDA out of memory');
    expect((error as APIError).code).to.equal('PAPERD_LLM_UPSTREAM');
  });

  it('stops the upstream request when the client hangs up mid-stream', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu', tokenDelayMs: 100 });
    api = await startApi([{ name: 'gpu', baseUrl: gpu.baseUrl, kind: 'vllm' }]);
    const controller = new AbortController();
    const stream = await api.client(api.keys.llm).chat.completions.create({ ...ask('a long answer '.repeat(50)), stream: true }, { signal: controller.signal });
    for await (const _chunk of stream) {
      controller.abort();
      break;
    }
    await eventually(() => gpu.inFlight === 0, 'the upstream request to close');
    await eventually(() => api!.router.snapshot().endpoints[0]!.inFlight === 0, 'the slot to be freed');
    expect(api.router.snapshot().endpoints[0]).to.include({ state: 'up', errors: 0 });
  });

  it("refuses a malformed body with 400 in OpenAI's shape before any endpoint sees it", async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    api = await startApi([{ name: 'gpu', baseUrl: gpu.baseUrl, kind: 'vllm' }]);
    const response = await post(api.url, '/v1/chat/completions', { model: 'm', messages: [] }, api.keys.llm);
    expect(response.status).to.equal(400);
    expect(((await response.json()) as { error: { code: string; type: string } }).error).to.include({ code: 'PAPERD_BAD_INPUT', type: 'invalid_request_error' });
    expect(gpu.requests.filter((r) => r.method === 'POST')).to.have.length(0);
  });

  it('counts attempts, errors and states per endpoint in Prometheus metrics', async () => {
    const gpu = await fake({ flavor: 'vllm', name: 'gpu' });
    const mac = await fake({ flavor: 'ollama', name: 'mac' });
    gpu.set({ type: 'busy' });
    api = await startApi([{ name: 'gpu', baseUrl: gpu.baseUrl, kind: 'vllm' }, { name: 'mac', baseUrl: mac.baseUrl, kind: 'ollama', priority: 1 }]);
    for (let i = 0; i < 2; i++) await api.client(api.keys.llm).chat.completions.create(ask(`q${i}`));
    const text = await api.prom.metrics();
    expect(text).to.include('paperd_llm_attempts_total{endpoint="gpu",outcome="busy"} 1');
    expect(text).to.include('paperd_llm_attempts_total{endpoint="mac",outcome="ok"} 2');
    expect(text).to.include('paperd_llm_errors_total{endpoint="gpu",type="busy"} 1');
    expect(text).to.include('paperd_llm_endpoint_state{endpoint="gpu",state="cooling"} 1');
    expect(text).to.include('paperd_llm_endpoint_state{endpoint="mac",state="up"} 1');
    expect(text).to.include('paperd_llm_requests_total{kind="chat",priority="online",outcome="ok"} 2');
    // Whole answers are asked as plain JSON, which has no first token to time.
    expect(text).to.match(/paperd_llm_attempt_duration_seconds_count\{endpoint="mac"\} 2/);
    expect(text).to.not.match(/paperd_llm_first_token_seconds_count\{endpoint="mac"\} [1-9]/);
  });
});
