import { expect } from 'chai';
import { FakeLlmServer } from './support/fake-llm-server.js';
import { apiKey, spawnNode, tempDataDir, type NodeProcess } from './support/node-process.js';
import { until } from './support/until.js';

const PAPERS = [
  { _id: 'p1', title: 'Sparse attention for long documents', text: 'We propose a sparse attention pattern. It scales to long documents. Code is at https://github.com/acme/sparse-attn and weights at https://huggingface.co/acme/sparse-7b.' },
  { _id: 'p2', title: 'Contrastive retrieval with hard negatives', text: 'We train a dense retriever on MS MARCO. Hard negatives help. We evaluate on BEIR.' },
  { _id: 'p3', title: 'Protein folding with diffusion', text: 'A diffusion model folds proteins. It beats the baselines on CASP.' },
];

/** What a well-behaved model answers to the enrichment prompt. */
const GOOD_ANSWER = JSON.stringify({
  tldr: 'A model summary of the paper.',
  tags: ['Attention', 'long context'],
  entities: { models: ['Sparse-7B'], datasets: [], tasks: ['language modeling'], methods: ['sparse attention'], codeUrls: ['https://github.com/acme/sparse-attn'], huggingFaceIds: ['acme/sparse-7b'], arxivIds: [] },
});

interface Details {
  summary: string | null;
  enrichment: { producer: string; model: string | null; tags: string[]; entities: Record<string, string[]> } | null;
}

describe('enrichment and remote embeddings in a running node', function () {
  this.timeout(90_000);
  let fake: FakeLlmServer;
  let node: NodeProcess | undefined;

  const details = async (url: string, id: string) => (await (await fetch(`${url}/v1/papers/${encodeURIComponent(id)}`)).json()) as Details;
  const importPapers = async (url: string, key: string, papers = PAPERS) => {
    const res = await fetch(`${url}/v1/import?name=papers.jsonl`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' }, body: papers.map((p) => JSON.stringify(p)).join('\n') });
    expect(res.status, await res.clone().text()).to.be.below(300);
  };
  const start = async (env: Record<string, string>) => {
    env = { PAPERD_LLM_PROBE_INTERVAL_MS: '500', PAPERD_LLM_COOLDOWN_MAX_MS: '2000', ...env };
    const dataDir = tempDataDir();
    const key = apiKey(dataDir, ['write']);
    node = spawnNode({ dataDir, env: { PAPERD_PIPELINE_FETCH_PDFS: 'false', PAPERD_PIPELINE_IDLE_MS: '100', ...env } });
    return { url: await node.url, key };
  };
  const endpoints = (roles: string[]) => JSON.stringify([{ name: 'gpu', kind: 'vllm', baseUrl: fake.baseUrl, models: ['qwen-7b', 'embed-small'], role: roles, timeouts: { firstTokenMs: 5_000, totalMs: 10_000 } }]);

  afterEach(async () => {
    if (node) {
      node.child.kill('SIGTERM');
      await node.exited;
      node = undefined;
    }
    await fake?.close();
  });

  it('stores what the LLM answers, validated and normalised, and says which model made it', async () => {
    fake = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', reply: () => GOOD_ANSWER });
    const { url, key } = await start({ PAPERD_LLM_ENDPOINTS: endpoints(['chat']) });
    await importPapers(url, key);
    const paper = await until('an enrichment', async () => ((await details(url, 'beir:p1')).enrichment ? details(url, 'beir:p1') : undefined));
    expect(paper.summary).to.equal('A model summary of the paper.');
    expect(paper.enrichment).to.deep.include({ producer: 'llm', model: 'qwen-7b' });
    expect(paper.enrichment!.tags).to.deep.equal(['attention', 'long context']);
    expect(paper.enrichment!.entities.codeUrls).to.deep.equal(['https://github.com/acme/sparse-attn']);
    // It asked for structured output, at the model configured.
    expect(fake.requests.some((r) => r.path === '/v1/chat/completions' && r.model === 'qwen-7b')).to.equal(true);
  });

  it('never stores an answer that is not valid JSON: the embedded fallback answers and says so', async () => {
    fake = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', reply: () => 'Sure! Here is a summary: this paper is great.' });
    const { url, key } = await start({ PAPERD_LLM_ENDPOINTS: endpoints(['chat']) });
    await importPapers(url, key);
    const paper = await until('an enrichment', async () => ((await details(url, 'beir:p1')).enrichment ? details(url, 'beir:p1') : undefined));
    expect(paper.enrichment!.producer).to.equal('fallback');
    expect(paper.summary).to.not.match(/Sure!/);
    expect(PAPERS[0]!.text).to.include(paper.summary!.replace(/…$/, '').split('. ')[0]!);
    // The rules still find what is written in the abstract.
    expect(paper.enrichment!.entities.codeUrls).to.deep.equal(['https://github.com/acme/sparse-attn']);
    expect(paper.enrichment!.entities.huggingFaceIds).to.deep.equal(['acme/sparse-7b']);
  });

  it('with the endpoint down, every paper is enriched by the fallback, then redone by the LLM once it is back', async () => {
    fake = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', reply: () => GOOD_ANSWER });
    await fake.stop();
    const { url, key } = await start({ PAPERD_LLM_ENDPOINTS: endpoints(['chat']), PAPERD_ENRICHMENT_REDO_CHECK_MS: '300' });
    await importPapers(url, key);
    for (const p of PAPERS) {
      const paper = await until(`an enrichment of ${p._id}`, async () => ((await details(url, `beir:${p._id}`)).enrichment ? details(url, `beir:${p._id}`) : undefined));
      expect(paper.enrichment!.producer).to.equal('fallback');
    }
    await fake.start();
    for (const p of PAPERS) {
      const paper = await until(`the LLM's enrichment of ${p._id}`, async () => {
        const d = await details(url, `beir:${p._id}`);
        return d.enrichment?.producer === 'llm' ? d : undefined;
      });
      expect(paper.summary).to.equal('A model summary of the paper.');
    }
  });

  it('embeds papers and queries at the embeddings endpoint, and keeps answering with BM25 while it is down', async () => {
    fake = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', embeddingDims: 16 });
    const { url, key } = await start({ PAPERD_LLM_ENDPOINTS: endpoints(['embeddings']), PAPERD_EMBEDDINGS_MODEL: 'embed-small', PAPERD_EMBEDDINGS_DIMENSIONS: '16', PAPERD_ENRICHMENT_ENABLED: 'false' });
    await importPapers(url, key);
    const search = async (q: string, mode: string) => (await (await fetch(`${url}/v1/search?${new URLSearchParams({ q, mode })}`)).json()) as { embedder: string; hits: { id: string }[]; degraded?: string };
    const vector = await until('vector hits', async () => {
      const r = await search('Sparse attention for long documents', 'vector');
      return r.hits.length === PAPERS.length ? r : undefined;
    });
    expect(vector.embedder).to.equal('openai:embed-small@16');
    // The fake's vectors are a hash of the text: the query that is p1's own text finds p1 first.
    const asked = fake.requests.filter((r) => r.path === '/v1/embeddings').map((r) => r.prompt ?? '');
    expect(asked.some((p) => p.includes('Sparse attention for long documents\n\nWe propose'))).to.equal(true);

    await fake.stop();
    const hybrid = await search('contrastive retrieval', 'hybrid');
    expect(hybrid.hits[0]?.id).to.equal('beir:p2');
    expect(hybrid.degraded).to.match(/vector search left out/);

    // Papers imported while it is down wait for their vectors; none is lost, nothing crashes.
    await importPapers(url, key, [{ _id: 'p4', title: 'Graph transformers', text: 'Attention over graphs.' }]);
    // Vector sync has tried p4, found the endpoint down, and waits: its summary says so.
    type ActorNode = { path: string; restarts: number; summary: Record<string, unknown> | null; children?: ActorNode[] };
    const flatten = (nodes: ActorNode[]): ActorNode[] => nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);
    const actors = await until('vector sync waiting for the embedder', async () => {
      const all = flatten(((await (await fetch(`${url}/v1/actors`)).json()) as { tree: ActorNode[] }).tree);
      return all.find((a) => a.path.endsWith('/vector-sync'))?.summary?.waiting ? all : undefined;
    });
    expect(actors.find((a) => a.path.endsWith('/vector-sync'))!.summary!.lag).to.be.greaterThan(0);
    expect(actors.filter((a) => a.restarts > 0).map((a) => a.path)).to.deep.equal([]);
    // Asked for vectors alone, search says the endpoint is down rather than answer nothing.
    const refused = await fetch(`${url}/v1/search?${new URLSearchParams({ q: 'graph', mode: 'vector' })}`);
    expect(refused.status).to.equal(503);
    await fake.start();
    // Once its health probes find it back, vector sync catches up.
    await until('p4 searchable by vector', async () => {
      const r = await search('Graph transformers', 'vector');
      return r.hits?.some((h) => h.id === 'beir:p4') ? r : undefined;
    }, 60_000);
  });
});
