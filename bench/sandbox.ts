/**
 * The sandbox's overhead: median time from request to result through paperd (a real node:
 * HTTP, queue, snapshot check, a pooled container, the program exec'd in it, /out collected, the
 * container removed, the run kept) vs a bare `docker run --rm` of the same image in the same run,
 * for `print(1)` and for a pandas + matplotlib chart over the papers (10,000 by default; the bare
 * run mounts a copy of the same SQLite file read-only). Runs alternate so both see the same load.
 * Goal: print(1) end to end at most 1.2x a bare docker run.
 * Run: npm run bench:sandbox [-- --papers 10000 --runs 15 --chart-runs 7]
 */
import { execFile } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { createApiKey } from '../src/auth/api-keys.js';
import { EMBEDDING_DIMENSIONS } from '../src/embedding/embedder-provider.js';
import { HashEmbedder } from '../src/embedding/hash-embedder.js';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { sandboxImageName } from '../src/sandbox/image.js';
import { VectorStore } from '../src/storage/lancedb/vector-store.js';
import { openDatabase } from '../src/storage/sqlite/database.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';
import { VectorSync } from '../src/storage/vector-sync.js';
import { numberOption } from './support/bench-args.js';

const run = promisify(execFile);
const paperCount = numberOption('papers', 10_000);
const runs = numberOption('runs', 15);
const chartRuns = numberOption('chart-runs', 7);
const image = sandboxImageName();
const dir = mkdtempSync(join(tmpdir(), 'paperd-bench-sandbox-'));
const log = (line: string) => console.log(line);

const CHART = [
  'import paperd, matplotlib.pyplot as plt',
  'df = paperd.papers()',
  "monthly = df[df.title.str.contains('diffusion')].groupby(df.published.dt.strftime('%Y-%m')).size()",
  'monthly.plot(kind="bar", figsize=(10, 4))',
  'paperd.save(name="monthly.png")',
  'print(int(monthly.sum()))',
].join('\n');

async function buildStore(): Promise<void> {
  const db = openDatabase(join(dir, 'paperd.sqlite'));
  const vectors = await VectorStore.open(join(dir, 'lancedb'), EMBEDDING_DIMENSIONS);
  const topics = ['diffusion models', 'LoRA fine-tuning', 'graph networks', 'retrieval', 'speech'];
  const papers = new PaperStore(db, new ManualClock(1_700_000_000_000));
  for (let start = 0; start < paperCount; start += 2_000) {
    papers.upsertMany(Array.from({ length: Math.min(2_000, paperCount - start) }, (_, k) => {
      const i = start + k;
      const month = String((i % 36) % 12 + 1).padStart(2, '0');
      return {
        id: `23${String(i % 12 + 1).padStart(2, '0')}.${String(i).padStart(5, '0')}`, version: 1,
        title: `Paper ${i} on ${topics[i % topics.length]}`, abstract: `We study ${topics[i % topics.length]} (${i}).`,
        authors: [{ name: `Author ${i % 997}`, affiliations: [] }], categories: ['cs.LG'],
        published: `${2023 + Math.floor((i % 36) / 12)}-${month}-10T00:00:00Z`, source: 'arxiv-api' as const,
      };
    }));
  }
  await new VectorSync({ db, vectors, embedder: () => new HashEmbedder({ dimensions: EMBEDDING_DIMENSIONS }) }).drainAll(1_000);
  vectors.close();
  db.close();
}

/** A read-only copy of the store for the bare runs, as the sandbox's snapshot has it. */
function bareData(): string {
  const bare = join(dir, 'bare');
  mkdirSync(bare);
  const db = new Database(join(dir, 'paperd.sqlite'), { readonly: true });
  db.prepare('VACUUM INTO ?').run(join(bare, 'paperd.sqlite'));
  db.close();
  const copy = new Database(join(bare, 'paperd.sqlite'));
  copy.pragma('journal_mode = DELETE');
  copy.close();
  chmodSync(bare, 0o755);
  chmodSync(join(bare, 'paperd.sqlite'), 0o444);
  return bare;
}

function startNode(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [resolve('bin/paperd.js'), 'up', '--data', dir, '--port', '0'], {
    env: { ...process.env, PAPERD_ARXIV_POLL: 'false', PAPERD_ENRICHMENT_ENABLED: 'false', PAPERD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return new Promise((res, rej) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as { msg?: string; url?: string };
        if (line.msg === 'paperd is up') res({ url: line.url!, stop: async () => void (child.kill('SIGTERM'), await exited) });
      } catch {
        // not a log line
      }
    });
    void exited.then(() => rej(new Error('the node exited before it was up')));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(f: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function main(): Promise<void> {
  log(`image ${image}; ${paperCount} papers; ${runs} runs of print(1), ${chartRuns} of the chart, each way`);
  await buildStore();
  const bare = bareData();
  const db = openDatabase(join(dir, 'paperd.sqlite'));
  const key = createApiKey(db, ['sandbox']).key;
  db.close();
  const node = await startNode();
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const viaPaperd = async (language: string, code: string, expected: string) => {
    const res = await fetch(`${node.url}/v1/sandbox/runs`, { method: 'POST', headers, body: JSON.stringify({ language, code }) });
    const body = (await res.json()) as { stdout?: string; stderr?: string; message?: string };
    if (res.status !== 201 || body.stdout?.trim() !== expected) throw new Error(`paperd run failed: ${res.status} ${body.message ?? body.stderr}`);
  };
  const bareRun = async (code: string, expected: string, data: boolean) => {
    const mounts = data ? ['-v', `${bare}:/data:ro`] : [];
    // The same preparation the sandbox's containers make: matplotlib's font list into /tmp.
    const script = `mkdir -p /tmp/matplotlib && cp /usr/share/paperd/matplotlib/*.json /tmp/matplotlib/; mkdir -p /tmp/out; PAPERD_OUT=/tmp/out exec python3 -B -c "$0"`;
    const { stdout } = await run('docker', ['run', '--rm', '--network', 'none', ...mounts, image, 'sh', '-c', script, code], { maxBuffer: 1 << 20 });
    if (stdout.trim() !== expected) throw new Error(`bare run printed ${stdout}`);
  };
  try {
    const diffusion = String(Math.ceil(paperCount / 5));
    // Warm both paths once: the first paperd run takes the snapshot, the first docker run warms the page cache.
    await viaPaperd('python', 'print(1)', '1');
    await bareRun('print(1)', '1', false);
    await viaPaperd('python', CHART, diffusion);
    await bareRun(CHART, diffusion, true);

    const t = { paperd: [] as number[], bare: [] as number[], paperdChart: [] as number[], bareChart: [] as number[] };
    for (let i = 0; i < runs; i++) {
      t.bare.push(await timed(() => bareRun('print(1)', '1', false)));
      t.paperd.push(await timed(() => viaPaperd('python', 'print(1)', '1')));
    }
    for (let i = 0; i < chartRuns; i++) {
      t.bareChart.push(await timed(() => bareRun(CHART, diffusion, true)));
      t.paperdChart.push(await timed(() => viaPaperd('python', CHART, diffusion)));
    }
    const row = (name: string, ours: number[], raw: number[]) =>
      log(`${name.padEnd(28)} paperd ${median(ours).toFixed(0).padStart(6)} ms   bare docker run ${median(raw).toFixed(0).padStart(6)} ms   ratio ${(median(ours) / median(raw)).toFixed(2)}x`);
    log('median time from request to result:');
    row('print(1)', t.paperd, t.bare);
    row(`chart over ${paperCount} papers`, t.paperdChart, t.bareChart);
    log(`goal: print(1) at most 1.20x a bare docker run: ${median(t.paperd) / median(t.bare) <= 1.2 ? 'met' : 'NOT met'}`);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
