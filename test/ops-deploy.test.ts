import { expect } from 'chai';
import { sign } from '@octokit/webhooks-methods';
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { FakeLlmServer } from './support/fake-llm-server.js';
import { dashboardExprs, exportedMetricNames, monitoredMetrics, monitoringDir } from './support/monitoring.js';
import { spawnNode, type NodeProcess } from './support/node-process.js';
import { fakeNvidiaSmi } from './support/ops-fake-nvidia-smi.js';
import { until } from './support/until.js';

const run = promisify(execFile);
const monitoring = monitoringDir;
const deploy = resolve('docker/deploy');

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}


describe('deployment and monitoring files', function () {
  this.timeout(120_000);

  it('the Prometheus rules pass promtool and their unit tests (alerts fire on the series paperd exports, and only then)', async function () {
    if (!has('promtool')) {
      console.log('    promtool is not installed (Debian package prometheus): skipped');
      this.skip();
    }
    await run('promtool', ['check', 'rules', 'paperd-rules.yml'], { cwd: join(monitoring, 'prometheus') });
    const { stdout } = await run('promtool', ['test', 'rules', 'paperd-rules.test.yml'], { cwd: join(monitoring, 'prometheus') });
    expect(stdout).to.include('SUCCESS');
    await run('promtool', ['check', 'config', 'prometheus.yml'], { cwd: join(monitoring, 'prometheus') });
  });

  it("every Grafana panel's query is valid PromQL", async function () {
    if (!has('promtool')) {
      console.log('    promtool is not installed (Debian package prometheus): skipped');
      this.skip();
    }
    const exprs = dashboardExprs();
    expect(exprs.length).to.be.greaterThan(30);
    const dir = mkdtempSync(join(tmpdir(), 'paperd-dashboard-'));
    try {
      // As recording rules, promtool parses every expression.
      const asRules = { groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `paperd:dashboard_${i}`, expr })) }] };
      writeFileSync(join(dir, 'dashboard-rules.json'), JSON.stringify(asRules));
      const { stdout } = await run('promtool', ['check', 'rules', join(dir, 'dashboard-rules.json')]);
      expect(stdout).to.include(`SUCCESS: ${exprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('against a running node', () => {
    let node: NodeProcess | undefined;
    let fake: FakeLlmServer | undefined;
    const smi = fakeNvidiaSmi('busy');
    after(async () => {
      node?.child.kill('SIGKILL');
      if (node) rmSync(node.dataDir, { recursive: true, force: true });
      await fake?.stop();
      smi.remove();
    });

    it('the rules and the dashboard ask only for metrics paperd exports', async () => {
      fake = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu' });
      node = spawnNode({
        env: {
          PATH: `${smi.dir}:${process.env.PATH}`,
          PAPERD_OPS_GPU_TELEMETRY: 'true',
          // A GPU node for batch work: the GPU lease metrics.
          PAPERD_OFFLINE_GPU_NODES: JSON.stringify(['gpu']),
          PAPERD_PIPELINE_POOLS_ENRICHER_MAX: '2',
          PAPERD_GITHUB_WEBHOOK_SECRET: 's',
          PAPERD_ENRICHMENT_ENABLED: 'true',
          // The arXiv poller runs (for its metrics) against a loopback port nothing listens on.
          PAPERD_ARXIV_POLL: 'true',
          PAPERD_ARXIV_API_BASE_URL: 'http://127.0.0.1:9/api/query',
          PAPERD_ARXIV_LISTING_BASE_URL: 'http://127.0.0.1:9/atom',
          PAPERD_ARXIV_OAI_BASE_URL: 'http://127.0.0.1:9/oai',
          PAPERD_ARXIV_PDF_BASE_URL: 'http://127.0.0.1:9/pdf',
          PAPERD_LLM_ENDPOINTS: JSON.stringify([{ name: 'gpu', kind: 'vllm', baseUrl: fake.baseUrl, models: ['m'] }]),
        },
      });
      const url = await node.url;
      // Histograms and counters with labels appear once something is counted: a search, a webhook, an LLM call.
      await fetch(`${url}/v1/search?q=x&mode=bm25`);
      const body = '{"zen":"x","hook_id":1}';
      await fetch(`${url}/v1/webhooks/github`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'd1', 'x-hub-signature-256': await sign('s', body) } });
      const exported = await until('GPU readings in /metrics', async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return text.includes('paperd_gpu_temperature_celsius{') ? text : undefined;
      });
      // Declared metrics (a labelled gauge with nothing to report has its TYPE line and no sample yet).
      const names = exportedMetricNames(exported);
      // The link's metrics appear on nodes with peers; they are declared in src/link/metrics.ts. The
      // sandbox's appear on a node with a Docker engine: test/ops-metrics.test.ts checks those.
      const linkSource = readFileSync(resolve('src/link/metrics.ts'), 'utf8');
      const wanted = monitoredMetrics().all;
      const missing = [...wanted].filter((n) => !names.has(n) && !(n.startsWith('paperd_link_') && linkSource.includes(`'${n}'`)) && !n.startsWith('paperd_sandbox_'));
      expect(missing, `asked for but not exported: ${missing.join(', ')}`).to.deep.equal([]);
      expect(wanted.size).to.be.greaterThan(25);
    });
  });

  it('the compose file is valid for docker-compose and names the images build.sh makes, with a drain-friendly stop', async () => {
    const compose = parse(readFileSync(join(deploy, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, { image: string; restart: string; stop_grace_period: string; volumes: string[] }> };
    expect(Object.keys(compose.services)).to.deep.equal(['main', 'gpu', 'mac']);
    const { stdout: tags } = await run(join(deploy, 'build.sh'), ['--tags']);
    for (const [role, service] of Object.entries(compose.services)) {
      expect(service.image).to.equal(`paperd-${role}:latest`);
      expect(tags).to.match(new RegExp(`paperd-${role}:[0-9a-f]{12}`));
      // `paperd drain` exits 0: the container comes back, which is the rolling restart.
      expect(service.restart).to.equal('unless-stopped');
      expect(service.stop_grace_period).to.equal('3m');
      expect(service.volumes).to.deep.equal([`${role}-data:/data`]);
      const dockerfile = readFileSync(join(deploy, `Dockerfile.${role}`), 'utf8');
      expect(dockerfile).to.include(`CMD ["/opt/paperd/nodes/launch.sh", "${role}"]`);
    }
    accessSync(resolve('nodes/launch.sh'), constants.X_OK);
    if (!has('docker-compose')) {
      console.log('    docker-compose is not installed (Debian package docker-compose): config not validated');
      return;
    }
    await run('docker-compose', ['-f', join(deploy, 'compose.yaml'), '--profile', 'mac', 'config', '-q']);
    // The GPUs come from their own file, so the gpu service starts where there is no NVIDIA toolkit.
    const gpuOnly = await run('docker-compose', ['-f', join(deploy, 'compose.yaml'), '-f', join(deploy, 'compose.nvidia.yaml'), 'config']);
    expect(gpuOnly.stdout).to.match(/driver: nvidia/);
    expect((await run('docker-compose', ['-f', join(deploy, 'compose.yaml'), 'config'])).stdout).to.not.match(/nvidia/);
    // The lab: fake vLLM and Ollama in the gpu and mac nodes' network namespaces, main without arXiv.
    const lab = await run('docker-compose', ['-f', join(deploy, 'compose.yaml'), '-f', join(deploy, 'lab', 'compose.lab.yaml'), '--profile', 'mac', '--profile', 'lab', 'config']);
    const labServices = (parse(lab.stdout) as { services: Record<string, { network_mode?: string; volumes?: string[]; environment?: Record<string, string> }> }).services;
    expect(labServices['fake-vllm']!.network_mode).to.equal('service:gpu');
    expect(labServices['fake-ollama']!.network_mode).to.equal('service:mac');
    expect(labServices.main!.environment!.PAPERD_ARXIV_POLL).to.equal('false');
    for (const mount of labServices['fake-vllm']!.volumes!) accessSync(mount.split(':')[0]!, constants.R_OK);
  });
});
