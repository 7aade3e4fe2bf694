import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { FakeLlmServer } from './support/fake-llm-server.js';
import { LinkLab, metric, nodesOf } from './support/link-lab.js';
import { TestHost, canMakeNamespaces, fakeLlmScript, jsonLine, paperdBin } from './support/link-netns.js';
import { apiKey, runCli, tempDataDir } from './support/node-process.js';
import { until } from './support/until.js';

const answer = (who: string) => JSON.stringify({
  tldr: `Summarised on ${who}.`, tags: ['partition'],
  entities: { models: [], datasets: [], tasks: [], methods: [], codeUrls: [], huggingFaceIds: [], arxivIds: [] },
});
const papers = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ _id: `q${from + i}`, title: `Partitioned paper ${from + i}`, text: `Body ${from + i}: the network between two nodes fails and heals.` }));

describe('link partition between hosts (network namespace, veth cut and healed)', function () {
  this.timeout(240_000);
  let host: TestHost | undefined;
  let lab: LinkLab | undefined;
  let ollama: FakeLlmServer | undefined;
  const inside: ChildProcess[] = [];

  before(function () {
    const why = canMakeNamespaces();
    if (why) this.skip();
  });
  afterEach(async () => {
    await Promise.all(inside.splice(0).map((c) => new Promise<void>((r) => {
      if (c.exitCode !== null || c.signalCode !== null) return r();
      c.once('exit', () => r());
      c.kill('SIGKILL');
    })));
    await lab?.close();
    await ollama?.close();
    host?.destroy();
  });

  it('marks the gpu node down then up, loses no paper and enriches none twice', async () => {
    host = new TestHost();
    lab = await LinkLab.create();
    lab.hosts.main = host.hostIp;
    lab.hosts.gpu = host.nsIp;

    // The gpu host: its vLLM and its node run inside the namespace.
    const vllm = host.spawnNode(['--import', 'tsx', fakeLlmScript, JSON.stringify({ flavor: 'vllm', name: 'gpu', tokenDelayMs: 100, replyText: answer('gpu') })], {});
    inside.push(vllm);
    const { port } = await jsonLine<{ port: number }>(vllm, (l) => typeof l.port === 'number');
    const gpuEnv = lab.env('gpu', { peers: ['main'], endpoints: [{ name: 'vllm', kind: 'vllm', baseUrl: `http://127.0.0.1:${port}/v1`, models: ['qwen-7b'], wholeAnswers: 'stream' }] });
    const gpu = host.spawnNode([paperdBin, 'up', '--node', 'gpu', '--data', tempDataDir(), '--port', '0'], { ...gpuEnv, PAPERD_LOG_LEVEL: 'info', PAPERD_ARXIV_POLL: 'false' });
    inside.push(gpu);

    ollama = await FakeLlmServer.start({ flavor: 'ollama', name: 'mac', reply: () => answer('mac') });
    lab.start('mac', lab.env('mac', { peers: ['main'], endpoints: [{ name: 'ollama', kind: 'ollama', baseUrl: ollama.baseUrl, models: ['qwen-7b'] }] }));
    const key = apiKey(lab.nodes.main.dataDir, ['write']);
    const main = lab.start('main', lab.env('main', {
      peers: ['gpu', 'mac'],
      endpoints: [
        { name: 'gpu', kind: 'remote', node: 'gpu', models: ['qwen-7b'], priority: 0 },
        { name: 'mac', kind: 'remote', node: 'mac', models: ['qwen-7b'], priority: 1 },
      ],
      extra: { PAPERD_ENRICHMENT_ENABLED: 'true', PAPERD_ENRICHMENT_MODEL: 'qwen-7b', PAPERD_PIPELINE_FETCH_PDFS: 'false', PAPERD_PIPELINE_IDLE_MS: '100' },
    }));
    const url = await main.url;
    await jsonLine(gpu, (l) => l.msg === 'paperd is up');
    const scrape = async () => (await fetch(`${url}/metrics`)).text();
    const endpointUp = (name: string) => until(`endpoint ${name} up`, async () => {
      const body = (await (await fetch(`${url}/v1/llm/endpoints`)).json()) as { endpoints: { name: string; state: string }[] };
      return body.endpoints.find((e) => e.name === name)?.state === 'up' ? true : undefined;
    }, 60_000);
    await endpointUp('gpu');
    await endpointUp('mac');

    const importPapers = async (batch: { _id: string }[]) => {
      const res = await fetch(`${url}/v1/import?name=papers.jsonl`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' }, body: batch.map((p) => JSON.stringify(p)).join('\n') });
      expect(res.status).to.be.below(300);
    };
    const summaries = (batch: { _id: string }[]) => until('every paper enriched by an LLM', async () => {
      const all = await Promise.all(batch.map(async (p) => (await (await fetch(`${url}/v1/papers/beir:${p._id}`)).json()) as { summary: string | null; enrichment: { producer: string } | null }));
      return all.every((d) => d.enrichment?.producer === 'llm') ? all.map((d) => d.summary) : undefined;
    }, 120_000);

    // Cut the wire while the gpu node is answering the batch.
    const first = papers(1, 8);
    await importPapers(first);
    await until('asks in flight to gpu', async () => (metric(await scrape(), 'paperd_link_asks_pending', { peer: 'gpu' }) > 0 ? true : undefined));
    host.cut();
    await until('main to mark gpu down', async () => ((await nodesOf(url)).find((n) => n.name === 'gpu')?.state === 'down' ? true : undefined));
    const firstSummaries = await summaries(first);
    expect(firstSummaries.every((s) => s === 'Summarised on mac.' || s === 'Summarised on gpu.')).to.equal(true);
    expect(firstSummaries).to.include('Summarised on mac.');
    for (const p of first) expect(ollama.requests.filter((r) => r.prompt?.includes(p.title)).length, p.title).to.be.at.most(1);

    host.heal();
    await until('main to mark gpu up again', async () => ((await nodesOf(url)).find((n) => n.name === 'gpu')?.state === 'up' ? true : undefined), 60_000);
    await endpointUp('gpu');
    const second = papers(11, 4);
    await importPapers(second);
    expect(await summaries(second)).to.deep.equal(second.map(() => 'Summarised on gpu.'));

    const m = await scrape();
    expect(metric(m, 'paperd_link_peer_transitions_total', { peer: 'gpu', to: 'down' })).to.be.at.least(1);
    expect(metric(m, 'paperd_link_peer_transitions_total', { peer: 'gpu', to: 'up' })).to.be.at.least(2);
    const check = await runCli(['check', '--data', lab.nodes.main.dataDir, '--json']);
    expect(check.code, check.stdout + check.stderr).to.equal(0);
  });
});
