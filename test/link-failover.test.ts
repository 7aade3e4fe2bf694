import { expect } from 'chai';
import { FakeLlmServer } from './support/fake-llm-server.js';
import { LinkLab, nodesOf } from './support/link-lab.js';
import { apiKey, runCli, type NodeProcess } from './support/node-process.js';
import { until } from './support/until.js';

/** What each machine's model answers to the enrichment prompt: valid JSON whose TL;DR says who wrote it. */
const answerFrom = (who: string) => () => JSON.stringify({
  tldr: `Summarised on ${who}.`, tags: ['failover'],
  entities: { models: [], datasets: [], tasks: [], methods: [], codeUrls: [], huggingFaceIds: [], arxivIds: [] },
});

const papers = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ _id: `p${from + i}`, title: `Paper number ${from + i} on linked inference`, text: `Body of paper ${from + i}. It studies failover.` }));

interface Details {
  summary: string | null;
  enrichment: { producer: string; model: string | null } | null;
}

describe('inference across nodes: losing the gpu node fails over to the mac node and back', function () {
  this.timeout(180_000);
  let lab: LinkLab;
  let vllm: FakeLlmServer;
  let ollama: FakeLlmServer;
  afterEach(async () => {
    await lab?.close();
    await vllm?.close();
    await ollama?.close();
  });

  it('kill -9 of the gpu node mid-batch: every paper is enriched once, on mac; restarted, work returns to gpu; paperd check agrees', async () => {
    lab = await LinkLab.create();
    vllm = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', reply: answerFrom('gpu') });
    ollama = await FakeLlmServer.start({ flavor: 'ollama', name: 'mac', reply: answerFrom('mac') });
    const gpuEnv = lab.env('gpu', { peers: ['main'], endpoints: [{ name: 'vllm', kind: 'vllm', baseUrl: vllm.baseUrl, models: ['qwen-7b'] }] });
    const macEnv = lab.env('mac', { peers: ['main'], endpoints: [{ name: 'ollama', kind: 'ollama', baseUrl: ollama.baseUrl, models: ['qwen-7b'], upstreamModels: { 'qwen-7b': 'qwen2.5:7b' } }] });
    const key = apiKey(lab.nodes.main.dataDir, ['write']);
    const main = lab.start('main', lab.env('main', {
      peers: ['gpu', 'mac'],
      endpoints: [
        { name: 'gpu', kind: 'remote', node: 'gpu', models: ['qwen-7b'], priority: 0 },
        { name: 'mac', kind: 'remote', node: 'mac', models: ['qwen-7b'], priority: 1 },
      ],
      extra: { PAPERD_ENRICHMENT_ENABLED: 'true', PAPERD_ENRICHMENT_MODEL: 'qwen-7b', PAPERD_PIPELINE_FETCH_PDFS: 'false', PAPERD_PIPELINE_IDLE_MS: '100' },
    }));
    let gpu: NodeProcess = lab.start('gpu', gpuEnv);
    lab.start('mac', macEnv);
    const url = await main.url;
    const endpointUp = (name: string) => until(`endpoint ${name} up on main`, async () => {
      const body = (await (await fetch(`${url}/v1/llm/endpoints`)).json()) as { endpoints: { name: string; state: string }[] };
      return body.endpoints.find((e) => e.name === name)?.state === 'up' ? true : undefined;
    }, 60_000);
    await endpointUp('gpu');
    await endpointUp('mac');

    const importPapers = async (batch: { _id: string }[]) => {
      const res = await fetch(`${url}/v1/import?name=papers.jsonl`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' }, body: batch.map((p) => JSON.stringify(p)).join('\n') });
      expect(res.status, await res.clone().text()).to.be.below(300);
    };
    const details = async (id: string) => (await (await fetch(`${url}/v1/papers/${encodeURIComponent(`beir:${id}`)}`)).json()) as Details;
    const allEnriched = (batch: { _id: string }[]) => until('every paper enriched by an LLM', async () => {
      const all = await Promise.all(batch.map((p) => details(p._id)));
      return all.every((d) => d.enrichment?.producer === 'llm') ? all : undefined;
    }, 90_000);

    // The gpu node takes the batch and its vLLM holds it: the gpu node dies with work in flight.
    vllm.set({ type: 'hold' });
    const first = papers(1, 10);
    await importPapers(first);
    await until('the gpu node to be working on the batch', async () => (vllm.heldCount > 0 ? true : undefined));
    gpu.child.kill('SIGKILL');
    await gpu.exited;
    const firstDone = await allEnriched(first);
    expect(firstDone.map((d) => d.summary)).to.deep.equal(first.map(() => 'Summarised on mac.'));
    // Each paper was asked of mac once: nothing lost, nothing done twice.
    for (const p of first) expect(ollama.requests.filter((r) => r.prompt?.includes(p.title)), p.title).to.have.length(1);
    expect((await nodesOf(url)).find((n) => n.name === 'gpu')?.state).to.equal('down');

    // The gpu node comes back: the link reconnects, the probe finds it, work returns to it.
    vllm.set({ type: 'ok' });
    vllm.release();
    gpu = lab.start('gpu', gpuEnv);
    await gpu.url;
    await until('main to see gpu up again', async () => ((await nodesOf(url)).find((n) => n.name === 'gpu')?.state === 'up' ? true : undefined), 60_000);
    await endpointUp('gpu');
    const second = papers(11, 5);
    const macAsked = () => ollama.requests.filter((r) => r.method === 'POST').length;
    const macBefore = macAsked();
    await importPapers(second);
    const secondDone = await allEnriched(second);
    expect(secondDone.map((d) => d.summary)).to.deep.equal(second.map(() => 'Summarised on gpu.'));
    expect(macAsked()).to.equal(macBefore);

    const check = await runCli(['check', '--data', lab.nodes.main.dataDir, '--json']);
    expect(check.code, check.stdout + check.stderr).to.equal(0);
  });
});
