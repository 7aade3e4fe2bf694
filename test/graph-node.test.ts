import { expect } from 'chai';
import { apiKey, spawnNode, tempDataDir, type NodeProcess } from './support/node-process.js';
import { until } from './support/until.js';
import { requireShared } from './support/shared.js';
import { githubFixtures, postGithub } from './support/webhook-api.js';

describe('the knowledge graph in a running node', function () {
  this.timeout(60_000);
  let node: NodeProcess;
  let url: string;

  before(async () => {
    const dataDir = tempDataDir();
    const key = apiKey(dataDir, ['write']);
    node = spawnNode({ dataDir, env: { PAPERD_PIPELINE_FETCH_PDFS: 'false', PAPERD_PIPELINE_IDLE_MS: '100', PAPERD_GITHUB_WEBHOOK_SECRET: 'gh-secret' } });
    url = await node.url;
    const paper = { _id: 'p1', title: 'Sparse attention for long documents', text: 'We propose sparse attention. Code: https://github.com/Acme/Sparse-Attn. Evaluated on ImageNet.' };
    const res = await fetch(`${url}/v1/import?name=p.jsonl`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' }, body: JSON.stringify(paper) });
    expect(res.status).to.equal(200);
  });

  after(async () => {
    node.child.kill('SIGTERM');
    await node.exited;
  });

  it('links a new paper to the code and data its abstract names, through enrichment', async () => {
    const code = await until('the paper in the graph', async () => {
      const res = await fetch(`${url}/v1/papers/${encodeURIComponent('beir:p1')}/code`);
      const body = (await res.json()) as { repositories?: { entity: { id: string } }[] };
      return body.repositories?.length ? body : undefined;
    });
    expect(code.repositories!.map((r) => r.entity.id)).to.deep.equal(['repository:github.com/acme/sparse-attn']);
    const neighbors = (await (await fetch(`${url}/v1/graph/entities/${encodeURIComponent('paper:beir:p1')}/neighbors?depth=1`)).json()) as { neighbors: { entity: { id: string } }[] };
    expect(neighbors.neighbors.map((n) => n.entity.id)).to.include('dataset:imagenet');
    // Search's "has code" filter follows the link.
    const withCode = (await (await fetch(`${url}/v1/search?q=sparse&hasCode=true`)).json()) as { hits: { id: string; hasCode: boolean }[] };
    expect(withCode.hits.map((h) => [h.id, h.hasCode])).to.deep.equal([['beir:p1', true]]);
    const without = (await (await fetch(`${url}/v1/search?q=sparse&hasCode=false`)).json()) as { hits: unknown[] };
    expect(without.hits).to.have.length(0);
  });

  it('applies a signed GitHub delivery (sent three times) to the graph from the journal, and refuses a wrong signature', async function () {
    requireShared(this);
    const star = githubFixtures().find((f) => f.name === 'star/created.payload.json')!;
    const repo = (JSON.parse(star.body.toString('utf8')) as { repository: { full_name: string; stargazers_count: number } }).repository;
    for (let i = 0; i < 3; i++) expect((await postGithub(url, star.body, { event: 'star', delivery: 'delivery-1' })).status).to.equal(202);
    const id = `repository:github.com/${repo.full_name.toLowerCase()}`;
    const entity = await until('the starred repository', async () => {
      const res = await fetch(`${url}/v1/graph/entities/${encodeURIComponent(id)}`);
      return res.status === 200 ? ((await res.json()) as { attrs: { stars?: number } }) : undefined;
    });
    expect(entity.attrs.stars).to.equal(repo.stargazers_count);
    expect((await postGithub(url, star.body, { event: 'star', delivery: 'delivery-2', secret: 'wrong' })).status).to.equal(401);
  });
});
