import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { FakeLlmServer, fakeReply } from './support/fake-llm-server.js';
import { LAB_TIMINGS, freePort, nodesOf } from './support/link-lab.js';
import { apiKey, runCli, tempDataDir, withKey } from './support/node-process.js';
import { until } from './support/until.js';

/** Runs `nodes/<role>/run --port 0` and resolves with its API URL once it is up. */
function launch(role: string, env: Record<string, string>, children: ChildProcess[]): Promise<string> {
  const child = spawn('bash', [resolve(`nodes/${role}/run`), '--port', '0'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res, rej) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { msg?: string; url?: string };
        if (parsed.msg === 'paperd is up') res(String(parsed.url));
      } catch {
        // `paperd keys node` prints plain text first.
      }
    });
    child.once('exit', (code) => rej(new Error(`nodes/${role}/run exited (${code}): ${stderr.slice(-2000)}`)));
  });
}

describe('node launchers (nodes/) and paperd keys node', function () {
  this.timeout(120_000);
  const children: ChildProcess[] = [];
  let vllm: FakeLlmServer | undefined;
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => new Promise<void>((r) => {
      if (c.exitCode !== null) return r();
      c.once('exit', () => r());
      c.kill('SIGTERM');
    })));
    await vllm?.close();
  });

  it('keys node writes a key pair readable by its owner only, and will not overwrite it without --force', async () => {
    const data = tempDataDir();
    const made = await runCli(['keys', 'node', '--data', data, '--json']);
    expect(made.code, made.stderr).to.equal(0);
    const { publicKey, file } = JSON.parse(made.stdout) as { publicKey: string; file: string };
    expect(file).to.equal(join(data, 'node-key.json'));
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string; secretKey: string };
    expect(stored.publicKey).to.equal(publicKey).and.to.have.length(40);
    expect(stored.secretKey).to.have.length(40).and.not.equal(publicKey);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const again = await runCli(['keys', 'node', '--data', data]);
    expect(again.code).to.not.equal(0);
    expect(again.stderr).to.contain('--force');
    expect((JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string }).publicKey).to.equal(publicKey);
  });

  it('main and gpu started by their launchers find each other and answer a chat over the link', async () => {
    vllm = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu' });
    const data = { main: tempDataDir(), gpu: tempDataDir() };
    const keyOf = async (dir: string) => (JSON.parse((await runCli(['keys', 'node', '--data', dir, '--json'])).stdout) as { publicKey: string }).publicKey;
    const keys = { main: await keyOf(data.main), gpu: await keyOf(data.gpu) };
    const addr = { main: `tcp://127.0.0.1:${await freePort()}`, gpu: `tcp://127.0.0.1:${await freePort()}` };
    const common = { ...LAB_TIMINGS, PAPERD_MAIN_ADDR: addr.main, PAPERD_MAIN_KEY: keys.main, PAPERD_GPU_ADDR: addr.gpu, PAPERD_GPU_KEY: keys.gpu, PAPERD_LOG_LEVEL: 'info', PAPERD_ARXIV_POLL: 'false', PAPERD_LLM_PROBE_INTERVAL_MS: '300' };
    const llmKey = apiKey(data.main, ['llm']);
    // The default configs name vLLM on the gpu box and bind every interface: here both point at loopback.
    const gpuUrl = launch('gpu', { ...common, PAPERD_DATA: data.gpu, PAPERD_LINK_BIND: addr.gpu, PAPERD_LLM_ENDPOINTS: JSON.stringify([{ name: 'vllm', kind: 'vllm', baseUrl: vllm.baseUrl }]) }, children);
    // Without mac, main's default config would name an endpoint on a node that is not its peer (refused at start).
    const onlyGpu = JSON.stringify([{ name: 'gpu', kind: 'remote', node: 'gpu' }]);
    const mainUrl = launch('main', { ...common, PAPERD_DATA: data.main, PAPERD_LINK_BIND: addr.main, PAPERD_ENRICHMENT_ENABLED: 'false', PAPERD_LLM_ENDPOINTS: onlyGpu }, children);
    const [url] = await Promise.all([mainUrl, gpuUrl]);
    await until('main to see gpu up', async () => ((await nodesOf(url)).find((n) => n.name === 'gpu')?.state === 'up' ? true : undefined));
    // mac has no address or key here, so it is not a peer.
    expect((await nodesOf(url)).map((n) => n.name)).to.deep.equal(['main', 'gpu']);
    const answer = await until('a chat answered by gpu', async () => {
      const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: withKey(llmKey), body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'from the launcher' }] }) });
      return res.status === 200 ? ((await res.json()) as { choices: { message: { content: string } }[] }) : undefined;
    });
    expect(answer.choices[0]!.message.content).to.equal(fakeReply('gpu', 'from the launcher'));
  });
});
