import { expect } from 'chai';
import * as zmq from 'zeromq';
import { FakeLlmServer, fakeEmbedding, fakeReply } from './support/fake-llm-server.js';
import { LinkLab, metric, nodesOf, paths } from './support/link-lab.js';
import { apiKey, runCli, withKey, type NodeProcess } from './support/node-process.js';
import { until } from './support/until.js';

const chat = (prompt: string, stream = false) => ({ model: 'm', stream, messages: [{ role: 'user', content: prompt }] });

describe('link between real nodes (CURVE on, loopback)', function () {
  this.timeout(90_000);
  let lab: LinkLab;
  let vllm: FakeLlmServer;

  beforeEach(async () => {
    lab = await LinkLab.create();
    vllm = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', embeddingDims: 8 });
  });
  afterEach(async () => {
    await lab.close();
    await vllm.close();
  });

  /** A gpu node in front of the fake vLLM, and a main node whose router asks it over the link. */
  async function mainAndGpu(): Promise<{ main: NodeProcess; gpu: NodeProcess; mainUrl: string; key: string }> {
    const gpu = lab.start('gpu', lab.env('gpu', { peers: ['main'], endpoints: [{ name: 'vllm', kind: 'vllm', baseUrl: vllm.baseUrl, role: ['chat', 'embeddings'] }] }));
    const key = apiKey(lab.nodes.main.dataDir, ['llm']);
    const main = lab.start('main', lab.env('main', { peers: ['gpu'], endpoints: [{ name: 'gpu', kind: 'remote', node: 'gpu', role: ['chat', 'embeddings'] }] }));
    const mainUrl = await main.url;
    await gpu.url;
    await until('main to see gpu up', async () => ((await nodesOf(mainUrl)).find((n) => n.name === 'gpu')?.state === 'up' ? true : undefined));
    return { main, gpu, mainUrl, key };
  }

  it('carries typed asks main → gpu → main: chat (whole and streamed in frames), embeddings, and the gpu tree', async () => {
    const { mainUrl, key } = await mainAndGpu();
    // The router's probe of the remote endpoint goes over the link too.
    await until('the gpu endpoint to be up', async () => {
      const body = (await (await fetch(`${mainUrl}/v1/llm/endpoints`)).json()) as { endpoints: { name: string; state: string }[] };
      return body.endpoints.find((e) => e.name === 'gpu')?.state === 'up' ? true : undefined;
    });

    const whole = await fetch(`${mainUrl}/v1/chat/completions`, { method: 'POST', headers: withKey(key), body: JSON.stringify(chat('linked hello')) });
    expect(whole.status).to.equal(200);
    const completion = (await whole.json()) as { choices: { message: { content: string } }[]; model: string };
    expect(completion.choices[0]!.message.content).to.equal(fakeReply('gpu', 'linked hello'));
    expect(completion.model).to.equal('m');

    const streamed = await fetch(`${mainUrl}/v1/chat/completions`, { method: 'POST', headers: withKey(key), body: JSON.stringify(chat('streamed hello', true)) });
    const frames = (await streamed.text()).split('\n\n').filter(Boolean);
    expect(frames.at(-1)).to.equal('data: [DONE]');
    const text = frames.slice(0, -1).map((f) => JSON.parse(f.slice('data: '.length)) as { choices: { delta: { content?: string } }[] }).map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).to.equal(fakeReply('gpu', 'streamed hello'));

    const embedded = await fetch(`${mainUrl}/v1/embeddings`, { method: 'POST', headers: withKey(key), body: JSON.stringify({ model: 'm', input: ['alpha'], encoding_format: 'float' }) });
    expect(((await embedded.json()) as { data: { embedding: number[] }[] }).data[0]!.embedding).to.deep.equal(fakeEmbedding('alpha', 8));
    expect(vllm.requests.filter((r) => r.method === 'POST').map((r) => r.prompt)).to.deep.equal(['linked hello', 'streamed hello', 'alpha']);

    const nodes = await nodesOf(mainUrl);
    expect(nodes.map((n) => [n.name, n.self, n.state])).to.deep.equal([['main', true, 'up'], ['gpu', false, 'up']]);
    const gpuPaths = paths(nodes[1]!.tree!);
    expect(gpuPaths).to.include.members(['root/pipeline/inference', 'root/link/listener', 'root/link/peer-main']);
    expect(paths(nodes[0]!.tree!)).to.include('root/link/peer-gpu');

    const metrics = await (await fetch(`${mainUrl}/metrics`)).text();
    expect(metric(metrics, 'paperd_link_peer_state', { peer: 'gpu', state: 'up' })).to.equal(1);
    expect(metric(metrics, 'paperd_link_received_total', { peer: 'gpu' })).to.be.greaterThan(0);

    const cli = await runCli(['actors', '--all-nodes', '--url', mainUrl]);
    expect(cli.code, cli.stderr).to.equal(0);
    expect(cli.stdout).to.match(/^node main \(this node\)/m);
    expect(cli.stdout).to.match(/^node gpu \(up, heard \d+ ms ago/m);
    expect(cli.stdout).to.contain('inference');
  });

  it('gets nothing through for a node with the wrong key, either way', async () => {
    // main trusts a mac key that is not the one mac holds.
    const impostor = zmq.curveKeyPair();
    const main = lab.start('main', lab.env('main', { peers: ['mac'], trust: { mac: impostor.publicKey } }));
    const mac = lab.start('mac', lab.env('mac', { peers: ['main'] }));
    const [url, macUrl] = await Promise.all([main.url, mac.url]);
    await until('main to refuse mac at ZAP', async () => (metric(await (await fetch(`${url}/metrics`)).text(), 'paperd_link_refused_total', { why: 'zap' }) > 0 ? true : undefined));
    await until('mac to fail the CURVE handshake with main', async () => (metric(await (await fetch(`${macUrl}/metrics`)).text(), 'paperd_link_refused_total', { why: 'handshake' }) > 0 ? true : undefined));
    // Well past the down timeout, neither has heard a word from the other.
    await new Promise((r) => setTimeout(r, 2_000));
    const fromMain = (await nodesOf(url)).find((n) => n.name === 'mac')!;
    expect(fromMain.state).to.equal('down');
    expect(fromMain.lastHeardMsAgo).to.equal(null);
    const fromMac = (await nodesOf(macUrl)).find((n) => n.name === 'main')!;
    expect(fromMac.state).to.equal('down');
    expect(fromMac.lastHeardMsAgo).to.equal(null);
    expect(metric(await (await fetch(`${url}/metrics`)).text(), 'paperd_link_received_total', { peer: 'mac' })).to.equal(0);
  });
});
