import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { apiKey, spawnNode, withKey, type NodeProcess } from './support/node-process.js';
import { FakeLlmServer, fakeReply } from './support/fake-llm-server.js';
import { exportedMetricNames, monitoredMetrics } from './support/monitoring.js';
import { fakeNvidiaSmi } from './support/ops-fake-nvidia-smi.js';
import { sandboxContainersOf, sandboxDataDir, sandboxUnavailableReason } from './support/sandbox-fixtures.js';
import { until } from './support/until.js';

/** The value of one sample of a Prometheus text exposition whose labels include `labels`, or undefined. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/**
 * docker/monitoring reads `expected` (the rules or the dashboard), and every series of the
 * monitoring files under these prefixes is one this node's /metrics declares.
 */
function expectMonitored(metrics: string, prefixes: string[], expected: string[]): void {
  const monitored = [...monitoredMetrics().all].filter((n) => prefixes.some((p) => n.startsWith(p)));
  expect(monitored, 'read by the Prometheus rules or the Grafana dashboard').to.include.members(expected);
  const exported = exportedMetricNames(metrics);
  expect(monitored.filter((n) => !exported.has(n)), 'read by docker/monitoring but not exported').to.deep.equal([]);
}

async function stop(node: NodeProcess): Promise<void> {
  node.child.kill('SIGTERM');
  await node.exited;
}

describe('/metrics: LLM tokens, sandbox runs, offline classes and GPU leases, the whole list', function () {
  this.timeout(120_000);
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('counts the tokens each endpoint says it used, prompt and completion, for JSON answers, assembled streams and embeddings', async () => {
    const big = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', models: ['big'] });
    const small = await FakeLlmServer.start({ flavor: 'ollama', name: 'mac', models: ['small'] });
    cleanups.push(() => big.close(), () => small.close());
    const node = spawnNode({
      env: {
        PAPERD_ENRICHMENT_ENABLED: 'false',
        PAPERD_LLM_ENDPOINTS: JSON.stringify([
          { name: 'gpu', kind: 'vllm', baseUrl: big.baseUrl, models: ['big'], role: ['chat', 'embeddings'], wholeAnswers: 'json' },
          { name: 'mac', kind: 'ollama', baseUrl: small.baseUrl, models: ['small'], role: ['chat'], wholeAnswers: 'stream' },
        ]),
      },
    });
    cleanups.push(() => stop(node), () => rmSync(node.dataDir, { recursive: true, force: true }));
    const url = await node.url;
    const key = apiKey(node.dataDir, ['llm']);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers: withKey(key), body: JSON.stringify(body) });
      expect(res.status, await res.clone().text()).to.equal(200);
      return (await res.json()) as { usage?: { prompt_tokens: number; completion_tokens?: number } };
    };
    // vLLM as JSON: its usage counts the prompt's and the reply's words.
    const a = await post('/v1/chat/completions', { model: 'big', messages: [{ role: 'user', content: 'one two three' }] });
    const b = await post('/v1/chat/completions', { model: 'big', messages: [{ role: 'user', content: 'four five' }] });
    expect(a.usage).to.include({ prompt_tokens: 3, completion_tokens: words(fakeReply('gpu', 'one two three')) });
    // Ollama as a stream assembled by the router, which asks for the usage chunk.
    const c = await post('/v1/chat/completions', { model: 'small', messages: [{ role: 'user', content: 'six seven eight nine' }] });
    expect(c.usage, 'the usage chunk of the stream').to.not.equal(undefined);
    const e = await post('/v1/embeddings', { model: 'big', input: ['ten eleven', 'twelve'] });
    expect(e.usage).to.include({ prompt_tokens: 3 });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(sample(metrics, 'paperd_llm_tokens_total', { endpoint: 'gpu', kind: 'prompt' })).to.equal(a.usage!.prompt_tokens + b.usage!.prompt_tokens + e.usage!.prompt_tokens);
    expect(sample(metrics, 'paperd_llm_tokens_total', { endpoint: 'gpu', kind: 'completion' })).to.equal(a.usage!.completion_tokens! + b.usage!.completion_tokens!);
    expect(sample(metrics, 'paperd_llm_tokens_total', { endpoint: 'mac', kind: 'prompt' })).to.equal(c.usage!.prompt_tokens);
    expect(sample(metrics, 'paperd_llm_tokens_total', { endpoint: 'mac', kind: 'completion' })).to.equal(words(fakeReply('mac', 'six seven eight nine')));
    expect(sample(metrics, 'paperd_llm_attempt_duration_seconds_count', { endpoint: 'gpu' })).to.equal(3);
    expect(sample(metrics, 'paperd_llm_endpoint_state', { endpoint: 'mac', state: 'up' })).to.equal(1);
    expectMonitored(metrics, ['paperd_llm_'], ['paperd_llm_tokens_total']);
  });

  it('shows the offline classes by state, and a GPU lease held back while the fake nvidia-smi on the PATH says the GPU is hot', async () => {
    const gpu = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu' });
    const smi = fakeNvidiaSmi('hot');
    cleanups.push(() => gpu.close(), () => smi.remove());
    const node = spawnNode({
      env: {
        PATH: `${smi.dir}:${process.env.PATH}`,
        PAPERD_ENRICHMENT_ENABLED: 'false',
        PAPERD_OPS_GPU_TELEMETRY: 'true',
        PAPERD_OPS_GPU_EVERY_MS: '200',
        PAPERD_OFFLINE_GPU_NODES: JSON.stringify(['gpu']),
        PAPERD_LLM_ENDPOINTS: JSON.stringify([{ name: 'gpu', kind: 'vllm', baseUrl: gpu.baseUrl }]),
      },
    });
    cleanups.push(() => stop(node), () => rmSync(node.dataDir, { recursive: true, force: true }));
    const url = await node.url;
    const hot = await until('the lease held back for heat', async () => {
      const m = await (await fetch(`${url}/metrics`)).text();
      return sample(m, 'paperd_gpu_lease_hot', { node: 'gpu' }) === 1 ? m : undefined;
    }, 20_000);
    expect(sample(hot, 'paperd_gpu_hot')).to.equal(1);
    expect(sample(hot, 'paperd_gpu_temperature_celsius', { gpu: '1' })).to.equal(86);
    expect(sample(hot, 'paperd_gpu_lease_held', { node: 'gpu' })).to.equal(0);
    expect(sample(hot, 'paperd_offline_class_state', { class: 'maintenance' }), 'every class has its state').to.not.equal(undefined);
    expect(sample(hot, 'paperd_offline_class_jobs', { class: 'quality', state: 'done' })).to.be.at.least(0);
    expect(sample(hot, 'paperd_offline_online_load')).to.be.oneOf([0, 1, 2]);
    expectMonitored(hot, ['paperd_gpu_', 'paperd_offline_'], [
      'paperd_gpu_lease_held', 'paperd_gpu_lease_hot', 'paperd_gpu_lease_held_back_total', 'paperd_offline_class_jobs', 'paperd_offline_class_state', 'paperd_offline_online_load',
    ]);
    const jobs = (await (await fetch(`${url}/v1/jobs`)).json()) as { gpuLeases: { node: string; hot?: string }[] };
    expect(jobs.gpuLeases).to.deep.equal([{ node: 'gpu', holder: null, until: null, hot: 'GPU 1 at 86 °C (pause at 83 °C)' }]);

    smi.set('cool');
    await until('the lease free again', async () => {
      const m = await (await fetch(`${url}/metrics`)).text();
      return sample(m, 'paperd_gpu_lease_hot', { node: 'gpu' }) === 0 ? m : undefined;
    }, 20_000);
    const cooled = (await (await fetch(`${url}/v1/jobs`)).json()) as { gpuLeases: { node: string; hot?: string }[] };
    expect(cooled.gpuLeases[0]!.hot).to.equal(undefined);
  });

  it('counts sandbox runs by outcome with their duration (real Docker engine)', async function () {
    const reason = await sandboxUnavailableReason();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    const dataDir = await sandboxDataDir(5);
    const node = spawnNode({ dataDir, env: { PAPERD_ENRICHMENT_ENABLED: 'false', PAPERD_SANDBOX_POOL_SIZE: '0' } });
    cleanups.push(async () => {
      await stop(node);
      expect(sandboxContainersOf(dataDir), 'containers left behind').to.deep.equal([]);
      rmSync(dataDir, { recursive: true, force: true });
    });
    const url = await node.url;
    const key = apiKey(dataDir, ['sandbox']);
    const run = async (code: string, timeoutMs?: number) => {
      const res = await fetch(`${url}/v1/sandbox/runs`, { method: 'POST', headers: withKey(key), body: JSON.stringify({ language: 'python', code, ...(timeoutMs ? { timeoutMs } : {}) }) });
      expect(res.status, await res.clone().text()).to.be.oneOf([200, 201]);
      return (await res.json()) as { exitCode: number | null; timedOut: boolean };
    };
    expect(await run('print(1)')).to.include({ exitCode: 0 });
    expect(await run('print(2)')).to.include({ exitCode: 0 });
    expect(await run('import sys; sys.exit(3)')).to.include({ exitCode: 3 });
    expect(await run('import time; time.sleep(30)', 1_000)).to.include({ timedOut: true });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(sample(metrics, 'paperd_sandbox_runs_total', { outcome: 'ok' })).to.equal(2);
    expect(sample(metrics, 'paperd_sandbox_runs_total', { outcome: 'exit-nonzero' })).to.equal(1);
    expect(sample(metrics, 'paperd_sandbox_runs_total', { outcome: 'timed-out' })).to.equal(1);
    expect(sample(metrics, 'paperd_sandbox_run_duration_seconds_count', { outcome: 'ok' })).to.equal(2);
    expect(sample(metrics, 'paperd_sandbox_run_duration_seconds_sum', { outcome: 'timed-out' })).to.be.at.least(1);
    expect(sample(metrics, 'paperd_sandbox_kept_runs', { status: 'finished' })).to.equal(4);
    expectMonitored(metrics, ['paperd_sandbox_'], ['paperd_sandbox_runs_total', 'paperd_sandbox_run_duration_seconds_bucket', 'paperd_sandbox_containers', 'paperd_sandbox_kept_runs']);
  });

  it('every family the issue lists is present on a node that holds papers', async () => {
    // arXiv on a loopback port nothing listens on: the poller fails, the families are there all the same.
    const nowhere = Object.fromEntries(['API', 'LISTING', 'OAI', 'PDF'].map((k) => [`PAPERD_ARXIV_${k}_BASE_URL`, 'http://127.0.0.1:9/']));
    const node = spawnNode({ env: { PAPERD_ENRICHMENT_ENABLED: 'false', PAPERD_ARXIV_POLL: 'true', ...nowhere } });
    cleanups.push(() => stop(node), () => rmSync(node.dataDir, { recursive: true, force: true }));
    const url = await node.url;
    expect((await fetch(`${url}/v1/search?q=x&mode=bm25`)).status).to.equal(200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const families = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const wanted = {
      'per-actor depth, in flight, handled, restarts': ['paperd_actor_mailbox_depth', 'paperd_actor_in_flight', 'paperd_actor_messages_handled_total', 'paperd_actor_restarts_total'],
      'pipeline depth and backpressure': ['paperd_pipeline_depth', 'paperd_backpressure_paused'],
      'jobs by class and state': ['paperd_jobs_by_kind', 'paperd_offline_class_jobs', 'paperd_offline_class_state'],
      'arXiv requests and limiter wait': ['paperd_arxiv_requests_total', 'paperd_arxiv_limiter_wait_seconds_total'],
      'last announcement and its lag': ['paperd_arxiv_last_announcement_timestamp_seconds', 'paperd_arxiv_announcement_lag_seconds'],
      'webhook deliveries': ['paperd_webhook_deliveries_total'],
      'search latency': ['paperd_search_duration_seconds'],
      'SQLite and LanceDB sizes': ['paperd_store_bytes'],
    };
    const missing = Object.entries(wanted).flatMap(([what, names]) => names.filter((n) => !families.has(n)).map((n) => `${what}: ${n}`));
    expect(missing).to.deep.equal([]);
    expect(sample(metrics, 'paperd_search_duration_seconds_count', { mode: 'bm25' })).to.equal(1);
  });
});
