import { expect } from 'chai';
import { sign } from '@octokit/webhooks-methods';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { runCli, spawnNode, type NodeProcess } from './support/node-process.js';
import { startAlertReceiver } from './support/ops-alert-receiver.js';
import { until } from './support/until.js';

/** A loopback port nothing listens on: an LLM endpoint that refuses every connection. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('ops on a running node: alerts, status and metrics', function () {
  this.timeout(90_000);
  const nodes: NodeProcess[] = [];
  after(() => {
    for (const n of nodes) {
      n.child.kill('SIGKILL');
      rmSync(n.dataDir, { recursive: true, force: true });
    }
  });

  it('fires "every LLM endpoint down" to GET /v1/alerts, the webhook sink, the log and /metrics; status shows it', async () => {
    const receiver = await startAlertReceiver();
    try {
      const port = await closedPort();
      const node = spawnNode({
        env: {
          PAPERD_OPS_ALERTS_WEBHOOK_URL: receiver.url,
          PAPERD_OPS_ALERTS_EVALUATE_EVERY_MS: '200',
          PAPERD_LLM_PROBE_INTERVAL_MS: '100',
          PAPERD_LLM_ENDPOINTS: JSON.stringify([{ name: 'gpu', kind: 'vllm', baseUrl: `http://127.0.0.1:${port}/v1`, models: ['m'] }]),
          PAPERD_ENRICHMENT_ENABLED: 'false',
        },
      });
      nodes.push(node);
      const url = await node.url;
      const body = await until('llm_all_down firing', async () => {
        const b = (await (await fetch(`${url}/v1/alerts?state=firing`)).json()) as { firing: number; alerts: { rule: string; severity: string; message: string }[]; rules: { name: string }[] };
        return b.alerts.some((a) => a.rule === 'llm_all_down') ? b : undefined;
      });
      const alert = body.alerts.find((a) => a.rule === 'llm_all_down')!;
      expect(alert.severity).to.equal('critical');
      expect(alert.message).to.include('all 1 LLM endpoints are down: gpu');
      expect(body.rules.map((r) => r.name)).to.include.members(['source_failing', 'announcement_lag', 'restart_storm', 'supervisor_gave_up', 'peer_down', 'llm_all_down', 'journal_not_draining', 'disk_nearly_full', 'gpu_hot']);
      const delivered = await until('the webhook sink got it', async () => receiver.received.find((r) => r.body.alerts.some((a: { rule: string }) => a.rule === 'llm_all_down')));
      expect(delivered.body).to.include({ source: 'paperd', node: 'single' });
      await node.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('alert firing: llm_all_down'));

      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(sample(metrics, 'paperd_alerts_firing', { rule: 'llm_all_down', severity: 'critical' })).to.equal(1);

      const status = (await (await fetch(`${url}/v1/status`)).json()) as Record<string, any>;
      expect(status).to.include({ node: 'single', ready: true, draining: false });
      expect(status.alerts.map((a: { rule: string }) => a.rule)).to.include('llm_all_down');
      expect(status.llm).to.deep.equal([{ name: 'gpu', state: 'down', reason: status.llm[0].reason }]);
      expect(status.actors.running).to.equal(status.actors.total);
      expect(status.storage.sqliteBytes).to.be.greaterThan(0);
      expect(status.gpu).to.equal(null);

      // The CLI: one screen, exit 1 while a critical alert fires; --json is the same document.
      const screen = await runCli(['status', '--url', url]);
      expect(screen.code).to.equal(1);
      expect(screen.stdout).to.match(/^node single .* ready$/m);
      expect(screen.stdout).to.match(/^actors {4}(\d+)\/\1 running, 0 restarts$/m);
      expect(screen.stdout).to.match(/^llm {7}gpu down \(/m);
      expect(screen.stdout).to.match(/^ {2}CRITICAL llm_all_down: all 1 LLM endpoints are down: gpu/m);
      const json = await runCli(['status', '--data', node.dataDir, '--json']);
      expect(JSON.parse(json.stdout)).to.include({ node: 'single', url });
    } finally {
      await receiver.close();
    }
  });

  it('/metrics covers search latency, webhook deliveries (accepted, deduped, refused), stores, jobs by kind and arXiv', async () => {
    const node = spawnNode({ env: { PAPERD_GITHUB_WEBHOOK_SECRET: 'gh-secret' } });
    nodes.push(node);
    const url = await node.url;
    for (const mode of ['hybrid', 'bm25', 'bm25']) expect((await fetch(`${url}/v1/search?q=attention&mode=${mode}`)).status).to.equal(200);
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1, repository: { full_name: 'octo/repo', html_url: 'https://github.com/octo/repo' } });
    const deliver = async (id: string, signature?: string) =>
      (await fetch(`${url}/v1/webhooks/github`, {
        method: 'POST', body,
        headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': id, 'x-hub-signature-256': signature ?? (await sign('gh-secret', body)) },
      })).status;
    expect(await deliver('d-1')).to.equal(202);
    expect(await deliver('d-1')).to.equal(202);
    expect(await deliver('d-2', 'sha256=' + '0'.repeat(64))).to.equal(401);

    const metrics = await until('the webhook counters', async () => {
      const m = await (await fetch(`${url}/metrics`)).text();
      return sample(m, 'paperd_webhook_deliveries_total', { provider: 'github', outcome: 'refused' }) ? m : undefined;
    });
    expect(sample(metrics, 'paperd_search_duration_seconds_count', { mode: 'bm25' })).to.equal(2);
    expect(sample(metrics, 'paperd_search_duration_seconds_count', { mode: 'hybrid' })).to.equal(1);
    expect(sample(metrics, 'paperd_webhook_deliveries_total', { provider: 'github', outcome: 'accepted' })).to.equal(1);
    expect(sample(metrics, 'paperd_webhook_deliveries_total', { provider: 'github', outcome: 'duplicate' })).to.equal(1);
    expect(sample(metrics, 'paperd_webhook_deliveries_total', { provider: 'github', outcome: 'refused', status: '401' })).to.equal(1);
    expect(sample(metrics, 'paperd_store_bytes', { store: 'sqlite' })).to.be.greaterThan(0);
    expect(sample(metrics, 'paperd_store_bytes', { store: 'lancedb' })).to.be.greaterThan(0);
    expect(sample(metrics, 'paperd_jobs_by_kind', { kind: 'webhook' })).to.be.at.least(0);
    expect(sample(metrics, 'paperd_arxiv_requests_total', { priority: 'hot' })).to.equal(0);
    expect(sample(metrics, 'paperd_arxiv_limiter_wait_seconds_total')).to.equal(0);
    // The actor tree gained the evaluator: its evaluations are handled messages.
    expect(sample(metrics, 'paperd_actor_messages_handled_total', { actor: 'root/offline/alert-evaluator' })).to.be.greaterThan(0);
  });
});
