import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElasticPool, type PoolResize } from '../src/pipeline/elastic-pool.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { FakeLlmServer } from './support/fake-llm-server.js';
import { apiKey, runCli, spawnNode, tempDataDir, type NodeProcess } from './support/node-process.js';
import { until } from './support/until.js';

const ANSWER = JSON.stringify({
  tldr: 'A pooled enrichment.', tags: ['pools'],
  entities: { models: [], datasets: [], tasks: ['scaling'], methods: [], codeUrls: [], huggingFaceIds: [], arxivIds: [] },
});

interface TreeNode {
  name: string;
  kind: string;
  summary: Record<string, unknown> | null;
  children: TreeNode[];
}

describe('elastic worker pools', function () {
  this.timeout(120_000);

  describe('the size policy', () => {
    const poolOver = (depth: { n: number }, clock: ManualClock) =>
      new ElasticPool({ name: 'enricher', min: 1, max: 4, depth: () => depth.n, backlogPerWorker: 10, shrinkAfterMs: 1_000, clock, checkEveryMs: 0 });

    it('grows at once with the backlog, never past max, and admits only the workers inside its size', () => {
      const clock = new ManualClock(0);
      const depth = { n: 0 };
      const pool = poolOver(depth, clock);
      const seen: PoolResize[] = [];
      pool.onResize((r) => seen.push(r));
      expect([pool.admit(0), pool.admit(1)]).to.deep.equal([true, false]);
      depth.n = 25;
      expect(pool.admit(2)).to.equal(true);
      expect(pool.size).to.equal(3);
      depth.n = 1_000;
      pool.check();
      expect(pool.size).to.equal(4);
      expect(pool.admit(4)).to.equal(false);
      expect(seen.map((r) => `${r.from}->${r.to}@${r.depth}`)).to.deep.equal(['1->3@25', '3->4@1000']);
    });

    it('shrinks one worker at a time, only after the need stayed lower for shrinkAfterMs, down to min', () => {
      const clock = new ManualClock(0);
      const depth = { n: 40 };
      const pool = poolOver(depth, clock);
      pool.check();
      expect(pool.size).to.equal(4);
      depth.n = 0;
      pool.check();
      clock.advance(999);
      pool.check();
      expect(pool.size).to.equal(4);
      clock.advance(1);
      pool.check();
      expect(pool.size).to.equal(3);
      // A wave comes back before the next step down: the clock restarts.
      clock.advance(500);
      depth.n = 30;
      pool.check();
      depth.n = 0;
      clock.advance(600);
      pool.check();
      expect(pool.size).to.equal(3);
      for (let i = 0; i < 10; i++) {
        clock.advance(1_000);
        pool.check();
      }
      expect(pool.size).to.equal(1);
      expect(pool.resizes).to.deep.equal({ grew: 1, shrank: 3 });
    });

    it('refuses bounds that cannot hold', () => {
      expect(() => new ElasticPool({ name: 'x', min: 3, max: 2, depth: () => 0, backlogPerWorker: 1, shrinkAfterMs: 0, clock: new ManualClock(0) })).to.throw(RangeError, /min \(3\) <= max \(2\)/);
    });
  });

  describe('on a node', () => {
    const nodes: NodeProcess[] = [];
    let fake: FakeLlmServer | undefined;
    after(async () => {
      for (const n of nodes) {
        n.child.kill('SIGKILL');
        rmSync(n.dataDir, { recursive: true, force: true });
      }
      await fake?.stop();
    });

    it('the enricher pool grows with its backlog (tree and /metrics), enriches every paper once, and shrinks back when idle', async () => {
      fake = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', reply: () => ANSWER });
      // Slow answers build a backlog the pool has to grow for.
      fake.set({ type: 'slow-first-token', delayMs: 150 });
      const dataDir = tempDataDir();
      const writer = apiKey(dataDir, ['write']);
      const node = spawnNode({
        dataDir,
        env: {
          PAPERD_LLM_ENDPOINTS: JSON.stringify([{ name: 'gpu', kind: 'vllm', baseUrl: fake.baseUrl, models: ['m'], concurrency: 16 }]),
          PAPERD_PIPELINE_FETCH_PDFS: 'false',
          PAPERD_ENRICHMENT_CONCURRENCY: '2',
          PAPERD_PIPELINE_POOLS_ENRICHER_MAX: '3',
          PAPERD_PIPELINE_POOLS_BACKLOG_PER_WORKER: '10',
          PAPERD_PIPELINE_POOLS_SHRINK_AFTER_MS: '500',
        },
      });
      nodes.push(node);
      const url = await node.url;
      const file = join(dataDir, 'pool-corpus.jsonl');
      writeFileSync(file, Array.from({ length: 120 }, (_, i) => JSON.stringify({ _id: `pool${i}`, title: `Pooled paper ${i}`, text: `About elastic pools, number ${i}.` })).join('\n'));
      const imported = await runCli(['import', '--url', url, file], { PAPERD_API_KEY: writer });
      expect(imported.code, imported.stderr).to.equal(0);

      const grown = await until('the enricher pool at 3', async () => {
        const m = await (await fetch(`${url}/metrics`)).text();
        return /^paperd_pool_workers\{[^}]*pool="enricher"[^}]*bound="size"[^}]*\} 3$/m.test(m) ? m : undefined;
      });
      expect(grown).to.match(/^paperd_pool_workers\{[^}]*pool="enricher"[^}]*bound="max"[^}]*\} 3$/m);
      const tree = (await (await fetch(`${url}/v1/actors`)).json()) as { tree: TreeNode[] };
      const enricher = tree.tree[0]!.children.find((c) => c.name === 'pipeline')!.children.find((c) => c.name === 'enricher')!;
      expect(enricher.kind).to.equal('supervisor');
      expect(enricher.children.map((c) => c.name)).to.deep.equal(['enricher-1', 'enricher-2', 'enricher-3']);

      const db = openDatabase(sqlitePath(dataDir), { readonly: true });
      try {
        await until('every paper enriched', async () => ((db.prepare("SELECT count(*) AS n FROM jobs WHERE kind = 'enrich' AND state = 'done'").get() as { n: number }).n === 120 ? true : undefined), 90_000);
        expect((db.prepare('SELECT count(*) AS n FROM paper_enrichments').get() as { n: number }).n).to.equal(120);
        // Three workers, one journal: no job was taken twice.
        expect((db.prepare("SELECT max(attempts) AS n FROM jobs WHERE kind = 'enrich'").get() as { n: number }).n).to.equal(1);
      } finally {
        db.close();
      }
      // More than one worker did the work.
      const after = (await (await fetch(`${url}/v1/actors`)).json()) as typeof tree;
      const workers = after.tree[0]!.children.find((c) => c.name === 'pipeline')!.children.find((c) => c.name === 'enricher')!.children;
      expect(workers.filter((w) => Number(w.summary?.handled ?? 0) > 0).length).to.be.at.least(2);
      await until('the pool back at 1', async () => {
        const m = await (await fetch(`${url}/metrics`)).text();
        return /^paperd_pool_workers\{[^}]*pool="enricher"[^}]*bound="size"[^}]*\} 1$/m.test(m) ? true : undefined;
      }, 30_000);
      await node.waitForLog((l) => l.msg === 'pool enricher: shrinks to 1');
      expect(node.logs.some((l) => l.msg === 'pool enricher: grows to 3' || (typeof l.msg === 'string' && /pool enricher: grows to [23]/.test(l.msg)))).to.equal(true);
    });
  });
});
