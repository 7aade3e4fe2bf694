import { expect } from 'chai';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../src/errors.js';
import { LlmConfigSchema, resolveLlmConfig, type LlmConfig } from '../src/inference/index.js';

const withDefaults = (raw: unknown) => Value.Default(LlmConfigSchema, Value.Clone(raw)) as LlmConfig;
const problems = (raw: unknown) => [...Value.Errors(LlmConfigSchema, withDefaults(raw))].map((e) => e.path);

describe('inference config', () => {
  it('fills every endpoint setting left out from `defaults`, and keeps those it sets', () => {
    const config = withDefaults({
      endpoints: [
        { name: 'gpu', baseUrl: 'http://gpu:8000/v1/', kind: 'vllm', role: ['chat', 'embeddings', 'chat'], concurrency: 32, timeouts: { firstTokenMs: 5_000 } },
        { name: 'mac', baseUrl: 'http://mac:11434/v1', kind: 'ollama', models: ['qwen'], upstreamModels: { qwen: 'qwen2.5:7b' }, priority: 1 },
      ],
      defaults: { timeouts: { totalMs: 60_000 } },
    });
    expect(problems(config)).to.deep.equal([]);
    const [gpu, mac] = resolveLlmConfig(config).endpoints;
    expect(gpu).to.deep.include({ baseUrl: 'http://gpu:8000/v1', rootUrl: 'http://gpu:8000', roles: ['chat', 'embeddings'], concurrency: 32, priority: 0, weight: 1 });
    expect(gpu!.timeouts).to.deep.equal({ connectMs: 2_000, firstTokenMs: 5_000, totalMs: 60_000 });
    expect(mac).to.deep.include({ kind: 'ollama', roles: ['chat'], priority: 1, concurrency: 8, upstreamModels: { qwen: 'qwen2.5:7b' } });
    expect(mac!.timeouts).to.deep.equal({ connectMs: 2_000, firstTokenMs: 30_000, totalMs: 60_000 });
  });

  it("asks for whole answers as JSON unless an endpoint or `defaults` says 'stream', and refuses anything else", () => {
    const endpoints = [{ name: 'a', baseUrl: 'http://a/v1' }, { name: 'b', baseUrl: 'http://b/v1', wholeAnswers: 'stream' }];
    expect(resolveLlmConfig(withDefaults({ endpoints })).endpoints.map((e) => e.wholeAnswers)).to.deep.equal(['json', 'stream']);
    expect(resolveLlmConfig(withDefaults({ endpoints: [endpoints[0]], defaults: { wholeAnswers: 'stream' } })).endpoints[0]!.wholeAnswers).to.equal('stream');
    expect(problems({ endpoints: [{ name: 'a', baseUrl: 'http://a/v1', wholeAnswers: 'sse' }] })).to.include('/endpoints/0/wholeAnswers');
  });

  it('reads as JSON from one environment variable (what PAPERD_LLM_ENDPOINTS will hold)', () => {
    const fromEnv = JSON.parse('[{"name":"gpu","baseUrl":"http://gpu.lab:8000/v1","kind":"vllm","models":["Qwen/Qwen2.5-7B-Instruct"]}]');
    const config = withDefaults({ endpoints: fromEnv });
    expect(problems(config)).to.deep.equal([]);
    expect(resolveLlmConfig(config).endpoints[0]!.models).to.deep.equal(['Qwen/Qwen2.5-7B-Instruct']);
  });

  it('refuses a misspelt endpoint key, a bad kind or role, and a zero weight, naming where', () => {
    expect(problems({ endpoints: [{ name: 'a', baseUrl: 'http://a/v1', concurency: 4 }] })).to.include('/endpoints/0/concurency');
    expect(problems({ endpoints: [{ name: 'a', baseUrl: 'http://a/v1', kind: 'tgi' }] })).to.include('/endpoints/0/kind');
    expect(problems({ endpoints: [{ name: 'a', baseUrl: 'http://a/v1', role: 'rerank' }] })).to.include('/endpoints/0/role');
    expect(problems({ endpoints: [{ name: 'a', baseUrl: 'http://a/v1', weight: 0 }] })).to.include('/endpoints/0/weight');
  });

  it('refuses what the schema cannot see: a name used twice, a URL that is not http, a rename of an unlisted model', () => {
    const resolve = (endpoints: unknown[]) => () => resolveLlmConfig(withDefaults({ endpoints }));
    expect(resolve([{ name: 'a', baseUrl: 'http://a/v1' }, { name: 'a', baseUrl: 'http://b/v1' }])).to.throw(ConfigError, 'the name a is used twice');
    expect(resolve([{ name: 'a', baseUrl: 'ftp://a/v1' }])).to.throw(ConfigError, 'baseUrl must be http or https');
    expect(resolve([{ name: 'a', baseUrl: 'not a url' }])).to.throw(ConfigError, 'is not a URL');
    expect(resolve([{ name: 'a', baseUrl: 'http://a/v1', models: ['x'], upstreamModels: { y: 'z' } }])).to.throw(ConfigError, 'upstreamModels names y');
  });
});
