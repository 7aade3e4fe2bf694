/**
 * Soak: everything at once on one machine, for --minutes (10 by default), against a real node
 * process: imports at full speed (BEIR batches through `POST /v1/import`), a signed GitHub webhook
 * every --webhook-ms (100; one in ten a redelivery), --searchers concurrent searchers (20),
 * enrichment through two fake vLLM endpoints behind proxies that fail --llm-fail of requests
 * (0.1), and one actor crash injected every --crash-every-s (30). It prints requests served,
 * errors (0 expected: the injected crashes are counted apart, each with its recovery), search
 * p50/p99 per window, the node's RSS and open file descriptors per window (flat after warm-up is
 * the goal), the LLM router's retries over the failures, then drains the node (`paperd drain`)
 * and runs `paperd check` (must pass).
 * The node runs with --expose-gc: every 30 s the soak asks it for a full GC (`POST /v1/test/gc`)
 * and reads its memory right after, which is what the memory verdicts judge (see `seriesVerdicts`).
 * To find what grows: `--heap-snapshots DIR` (two snapshots of the node: end of warm-up, end of
 * load), `--node-env K=V` (e.g. MALLOC_ARENA_MAX=2), `--settle-max-s 0` (skip waiting for the pipeline).
 * Run: npm run bench:soak [-- --minutes 2 --searchers 20 --window-s 30]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import * as lancedb from '@lancedb/lancedb';
import { sign } from '@octokit/webhooks-methods';
import { createApiKey } from '../src/auth/api-keys.js';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { FakeLlmServer } from '../test/support/fake-llm-server.js';
import { startFlakyLlmProxy } from './support/flaky-llm-proxy.js';
import { freePort } from '../test/support/free-port.js';
import { realisticPapers, rng } from './support/papers.js';
import { anonSplitOf, fdKinds, fdsOf, memoryOf, postWarmupHalf, trendOf, verdictOf, type MemorySample } from './support/soak-series.js';
import { numberOption, repeatedOption, stringOption } from './support/bench-args.js';

const minutes = numberOption('minutes', 10);
const searchers = numberOption('searchers', 20);
const webhookMs = numberOption('webhook-ms', 100);
const crashEveryS = numberOption('crash-every-s', 30);
const windowS = numberOption('window-s', 30);
const llmFail = numberOption('llm-fail', 0.1);
const importBatch = numberOption('import-batch', 500);
/** The longest the pipeline is given to finish the soak's work before the drain (10 min). */
const settleMaxS = numberOption('settle-max-s', 600);
/** Extra environment for the node, e.g. `--node-env MALLOC_ARENA_MAX=2` (repeatable): to try what changes its memory. */
const snapshotsDir = stringOption('heap-snapshots');
const heapSnapshots = snapshotsDir === undefined ? undefined : resolve(snapshotsDir);
const nodeEnv = Object.fromEntries(repeatedOption('node-env').filter((kv) => kv.includes('=')).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
const durationMs = minutes * 60_000;
const warmupMs = Math.min(120_000, durationMs / 4);

const bin = resolve('bin/paperd.js');
const random = rng(7);
const dataDir = mkdtempSync(join(tmpdir(), 'paperd-soak-'));
const admin = (() => {
  const db = openDatabase(sqlitePath(dataDir));
  try {
    return createApiKey(db, ['admin']).key;
  } finally {
    db.close();
  }
})();
const auth = { authorization: `Bearer ${admin}` };

const ENRICHMENT = JSON.stringify({
  tldr: 'A soak-test summary of the paper.',
  tags: ['soak', 'attention'],
  entities: { models: ['Soak-7B'], datasets: ['SoakBench'], tasks: ['language modeling'], methods: ['sparse attention'], codeUrls: [], huggingFaceIds: [], arxivIds: [] },
});
const fakes = await Promise.all(['gpu', 'mac'].map((name) => FakeLlmServer.start({ flavor: 'vllm', name, reply: () => ENRICHMENT, embeddingDims: 16 })));
const proxies = await Promise.all(fakes.map((f) => startFlakyLlmProxy(f.baseUrl, llmFail, random)));

const port = await freePort();
const node = spawn(process.execPath, [bin, 'up', '--data', dataDir, '--port', String(port)], {
  env: {
    ...process.env,
    PAPERD_LOG_LEVEL: 'info',
    PAPERD_TEST_HOOKS: 'true',
    PAPERD_ARXIV_POLL: 'false',
    PAPERD_PIPELINE_FETCH_PDFS: 'false',
    PAPERD_GITHUB_WEBHOOK_SECRET: 'soak-secret',
    PAPERD_API_RATE_LIMIT_PER_KEY: '10000000',
    PAPERD_SUPERVISION_BACKOFF_MIN_MS: '50',
    PAPERD_LLM_ENDPOINTS: JSON.stringify(proxies.map((p, i) => ({ name: ['gpu', 'mac'][i], kind: 'vllm', baseUrl: p.baseUrl, models: ['soak-model'], priority: i }))),
    // GC on request (memory after a full GC); a heap snapshot at the end of warm-up and at the end of the load, to compare what grew.
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc${heapSnapshots ? ` --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${heapSnapshots}` : ''}`.trim(),
    ...nodeEnv,
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const nodeLogs = { errors: 0, crashLines: 0, lastErrors: [] as string[] };
const up = new Promise<string>((resolveUp, rejectUp) => {
  node.once('exit', (code) => rejectUp(new Error(`the node exited (${code}) before it was up`)));
  createInterface({ input: node.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (line.msg === 'paperd is up') resolveUp(String(line.url));
    if (typeof line.level === 'number' && line.level >= 50) {
      nodeLogs.errors++;
      if (String(line.msg).includes('Injected') || JSON.stringify(line).includes('PAPERD_INJECTED_CRASH')) nodeLogs.crashLines++;
      else {
        nodeLogs.lastErrors.push(`${String(line.msg)}${line.err ? `: ${String((line.err as { message?: unknown }).message)}` : ''}`);
        if (nodeLogs.lastErrors.length > 5) nodeLogs.lastErrors.shift();
      }
    }
  });
});
const url = await up;
const exited = new Promise<number | null>((r) => node.once('exit', (code) => r(code)));
// A node that dies under load says why in its last error lines: show them rather than only the failed requests.
node.once('exit', (code, signal) => {
  if (running()) console.log(`the node exited during the load (code ${code}, signal ${signal}); its last error lines: ${nodeLogs.lastErrors.join(' | ') || 'none'}`);
});
console.log(`soak: ${minutes} min against ${url} (pid ${node.pid}, data ${dataDir}); ${searchers} searchers, a webhook every ${webhookMs} ms, a crash every ${crashEveryS} s, LLM failing ${llmFail * 100}%${Object.keys(nodeEnv).length ? `; node env ${JSON.stringify(nodeEnv)}` : ''}`);

// The node at rest before the load: what its open files come back to once the load has gone.
const fdsAtRestBefore = fdsOf(node.pid!, dataDir);
const t0 = Date.now();
const end = t0 + durationMs;
const running = () => Date.now() < end;
const served: Record<string, number> = { import: 0, webhook: 0, search: 0, crash: 0 };
const errors: { kind: string; status: number | string; at: number }[] = [];
const searchTimes: { at: number; ms: number }[] = [];
const samples: { at: number; rssMiB: number; fds: number; memory: MemorySample; fdKinds: Record<string, number>; papers: number }[] = [];
/** The node's JS heap and V8's external memory (MiB), from its /metrics (main thread only; workers show in RSS). */
const heapSamples: { at: number; heapUsed: number; heapTotal: number; external: number; v8Pages: number; malloc: number; otherAnon: number }[] = [];
/** Memory right after a full GC (MiB): what stays when the garbage has gone. */
const afterGcSamples: { at: number; rss: number; anon: number; heapUsed: number }[] = [];
const crashes: { actor: string; at: number; recoveredMs: number | null; queuedMs: number | null }[] = [];
let importedPapers = 0;

async function call(kind: string, path: string, init: RequestInit = {}): Promise<Response | undefined> {
  try {
    const response = await fetch(`${url}${path}`, { ...init, signal: AbortSignal.timeout(60_000) });
    if (response.ok) served[kind]!++;
    else errors.push({ kind, status: response.status, at: Date.now() - t0 });
    return response;
  } catch (error) {
    errors.push({ kind, status: (error as Error).message, at: Date.now() - t0 });
    return undefined;
  }
}

async function importer(): Promise<void> {
  for (let batch = 0; running(); batch++) {
    const lines: string[] = [];
    for (const p of realisticPapers(importBatch, 1000 + batch)) lines.push(JSON.stringify({ _id: `soak-${batch}-${p.id}`, title: p.title, text: p.abstract }));
    const response = await call('import', `/v1/import?name=soak-${batch}.jsonl`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: lines.join('\n') });
    if (response?.ok) importedPapers += ((await response.json()) as { accepted: number }).accepted;
    else await response?.arrayBuffer();
  }
}

async function webhooks(): Promise<void> {
  const delivered: string[] = [];
  const inFlight = new Set<Promise<void>>();
  // On the clock, not after each answer: a slow node gets its webhooks every 100 ms all the same (64 at most in flight).
  for (let i = 0, next = Date.now(); running(); i++, next += webhookMs) {
    const redeliver = delivered.length > 0 && random() < 0.1;
    const id = redeliver ? delivered[Math.floor(random() * delivered.length)]! : `soak-delivery-${i}`;
    if (!redeliver) delivered.push(id);
    const n = Number(id.split('-').pop()) % 500;
    const body = JSON.stringify({ action: 'created', starred_at: new Date().toISOString(), repository: { full_name: `soak/repo-${n}`, html_url: `https://github.com/soak/repo-${n}`, stargazers_count: n }, sender: { login: 'soak' } });
    const signature = await sign('soak-secret', body);
    const sent: Promise<void> = call('webhook', '/v1/webhooks/github', {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'star', 'x-github-delivery': id, 'x-hub-signature-256': signature },
    }).then(async (response) => void (await response?.arrayBuffer())).finally(() => inFlight.delete(sent));
    inFlight.add(sent);
    while (inFlight.size >= 64) await Promise.race(inFlight);
    await new Promise((r) => setTimeout(r, Math.max(0, next + webhookMs - Date.now())));
  }
  await Promise.all(inFlight);
}

const queryWords = 'attention transformer diffusion graph retrieval sparse reinforcement policy quantization distillation federated calibration'.split(' ');
async function searcher(seed: number): Promise<void> {
  const r = rng(seed);
  const modes = ['hybrid', 'bm25', 'vector'];
  while (running()) {
    const q = Array.from({ length: 1 + Math.floor(r() * 3) }, () => queryWords[Math.floor(r() * queryWords.length)]).join(' ');
    const started = performance.now();
    const response = await call('search', `/v1/search?q=${encodeURIComponent(q)}&mode=${modes[Math.floor(r() * modes.length)]}&limit=10`, { headers: auth });
    await response?.arrayBuffer();
    if (response?.ok) searchTimes.push({ at: Date.now() - t0, ms: performance.now() - started });
  }
}

interface TreeNode { path: string; status: string; restarts: number; children: TreeNode[] }
async function actorOf(path: string): Promise<TreeNode | undefined> {
  const body = (await (await fetch(`${url}/v1/actors`)).json()) as { tree: TreeNode[] };
  const find = (ns: TreeNode[]): TreeNode | undefined => {
    for (const n of ns) if (n.path === path) return n; else { const f = find(n.children); if (f) return f; }
    return undefined;
  };
  return find(body.tree);
}

async function crasher(): Promise<void> {
  const targets = ['root/pipeline/indexer', 'root/pipeline/enricher', 'root/sources/webhooks', 'root/storage/chunk-sync', 'root/offline/alert-evaluator', 'root/storage/vector-sync'];
  const watching: Promise<void>[] = [];
  // On the clock: one crash every crashEveryS, each watched until it has recovered.
  for (let i = 0; ; i++) {
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + (i + 1) * crashEveryS * 1000 - Date.now())));
    if (!running()) break;
    const actor = targets[i % targets.length]!;
    const before = (await actorOf(actor))?.restarts ?? 0;
    const at = Date.now();
    const response = await call('crash', '/v1/test/crash', { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ path: actor }) });
    await response?.arrayBuffer();
    const record = { actor, at: at - t0, recoveredMs: null as number | null, queuedMs: null as number | null };
    crashes.push(record);
    watching.push(watchRecovery(record, before));
  }
  await Promise.all(watching);
}

/**
 * The crash is a message: it waits in the actor's mailbox behind the work queued there (a webhook
 * backlog under load). Reaching the actor (its restart count goes up) may take up to 120 s;
 * recovered: running again within 30 s of that.
 */
async function watchRecovery(record: { actor: string; at: number; recoveredMs: number | null; queuedMs: number | null }, before: number): Promise<void> {
  let reachedAt: number | undefined;
  const sent = t0 + record.at;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const now = await actorOf(record.actor).catch(() => undefined);
    if (!now || now.restarts <= before) continue;
    reachedAt ??= Date.now();
    record.queuedMs = reachedAt - sent;
    if (now.status === 'running') {
      record.recoveredMs = Date.now() - reachedAt;
      return;
    }
    if (Date.now() - reachedAt > 30_000) return;
  }
}

async function sampler(): Promise<void> {
  let snapshotAtWarmup = heapSnapshots !== undefined;
  for (let i = 0; running(); i++) {
    if (snapshotAtWarmup && Date.now() - t0 >= warmupMs) {
      snapshotAtWarmup = false;
      node.kill('SIGUSR2');
    }
    try {
      const memory = memoryOf(node.pid!);
      const fdKinds = fdsOf(node.pid!, dataDir);
      samples.push({ at: Date.now() - t0, rssMiB: memory.rss, fds: Object.values(fdKinds).reduce((a, b) => a + b, 0), memory, fdKinds, papers: importedPapers });
    } catch {
      // /proc is Linux's; elsewhere the memory columns stay empty.
    }
    if (i % 15 === 7) {
      try {
        const gc = await fetch(`${url}/v1/test/gc`, { method: 'POST', headers: auth, signal: AbortSignal.timeout(10_000) });
        if (((await gc.json()) as { collected?: boolean }).collected) {
          const memory = memoryOf(node.pid!);
          const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
          const heapUsed = Number(/^paperd_nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(text)?.[1] ?? NaN) / 1_048_576;
          afterGcSamples.push({ at: Date.now() - t0, rss: memory.rss, anon: memory.anon, heapUsed });
        }
      } catch {
        // Timed out under load: the next one counts.
      }
    }
    if (i % 5 === 0) {
      try {
        const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
        const mib = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1_048_576;
        const split = anonSplitOf(node.pid!);
        heapSamples.push({
          at: Date.now() - t0, heapUsed: mib('paperd_nodejs_heap_size_used_bytes'), heapTotal: mib('paperd_nodejs_heap_size_total_bytes'), external: mib('paperd_nodejs_external_memory_bytes'),
          v8Pages: split.v8Pages, malloc: split.malloc, otherAnon: split.other,
        });
      } catch {
        // A scrape that timed out under load: the next one counts.
      }
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

const progress = setInterval(() => process.stdout.write(`  ${Math.round((Date.now() - t0) / 1000)} s: ${served.search} searches, ${served.import} imports (${importedPapers} papers), ${served.webhook} webhooks, ${errors.length} errors\n`), windowS * 1000);
await Promise.all([importer(), webhooks(), crasher(), sampler(), ...Array.from({ length: searchers }, (_, i) => searcher(100 + i))]);
clearInterval(progress);
if (heapSnapshots) node.kill('SIGUSR2');
const loadSeconds = (Date.now() - t0) / 1000;

console.log('\nwindow   searches   p50 ms   p99 ms   RSS MiB  (anon   file  shmem)  heap  extern  v8pg  mallc   fds  papers');
for (let w = 0; w * windowS * 1000 < durationMs; w++) {
  const [from, to] = [w * windowS * 1000, (w + 1) * windowS * 1000];
  const times = searchTimes.filter((s) => s.at >= from && s.at < to).map((s) => s.ms);
  const inWindow = samples.filter((s) => s.at >= from && s.at < to);
  const last = inWindow[inWindow.length - 1];
  const heaps = heapSamples.filter((s) => s.at >= from && s.at < to);
  const heap = heaps[heaps.length - 1];
  const f = (v: number | undefined, w: number) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(0)).padStart(w);
  console.log(
    `${`${from / 1000}-${to / 1000}s`.padEnd(9)}${String(times.length).padStart(9)}${pct(times, 50).toFixed(1).padStart(9)}${pct(times, 99).toFixed(1).padStart(9)}` +
      `${f(last?.rssMiB, 10)}${f(last?.memory.anon, 8)}${f(last?.memory.file, 7)}${f(last?.memory.shmem, 7)}${f(heap?.heapUsed, 7)}${f(heap?.external, 7)}${f(heap?.v8Pages, 6)}${f(heap?.malloc, 7)}${f(last?.fds, 6)}${f(last?.papers, 8)}`,
  );
}

/** Each vector table's indexes as LanceDB lists them (a vector index's files are `_indices/<uuid>/`), read from this process. */
async function describeIndexes(dir: string): Promise<string> {
  const connection = await lancedb.connect(dir);
  try {
    const parts: string[] = [];
    for (const name of await connection.tableNames()) {
      const table = await connection.openTable(name);
      for (const index of await table.listIndices()) {
        const stats = await table.indexStats(index.name);
        parts.push(`${name}.${index.name} (${index.indexType}, ${stats?.numIndices ?? '?'} segment(s), ${stats?.numIndexedRows ?? '?'} rows)`);
      }
      table.close();
    }
    return parts.join(', ') || 'none';
  } finally {
    connection.close();
  }
}

/** The lowest value of each `ms` of the series, at the window's middle. */
function floorOf(points: { at: number; v: number }[], ms: number): { at: number; v: number }[] {
  const windows = new Map<number, number>();
  for (const p of points) {
    const w = Math.floor(p.at / ms);
    windows.set(w, Math.min(windows.get(w) ?? Infinity, p.v));
  }
  return [...windows].map(([w, v]) => ({ at: (w + 0.5) * ms, v }));
}

/**
 * A verdict per series over the second half of the run (after warm-up): its least-squares slope
 * and max/min. RSS and its anonymous part (what a leak grows) must be flat after a full GC, and so
 * must the fds in all; the other series are shown to say where growth comes from. File-backed RSS
 * (mapped SQLite and LanceDB pages) follows the stores' size, which grows with every import.
 * Why after a full GC: the JS heap is a sawtooth whose period under this load is minutes long
 * (10-minute run of 2026-11-27: heap used 60→160 MiB over 300-570 s, then 74 MiB at 600 s, RSS
 * anon 656→585 MiB with it), so a fit over five minutes of raw RSS reads the phase of the tooth.
 * Heap snapshots (each after a full GC) at the end of warm-up and of the load differed by 3.5 MiB,
 * 2.8 of it compiled code: the rise between major GCs is garbage, not growth.
 */
function seriesVerdicts(): { name: string; gated: boolean; flat: boolean; line: string }[] {
  const half = postWarmupHalf(samples, warmupMs, durationMs);
  const heapHalf = postWarmupHalf(heapSamples, warmupMs, durationMs);
  const gcHalf = postWarmupHalf(afterGcSamples, warmupMs, durationMs);
  const kinds = [...new Set(half.flatMap((s) => Object.keys(s.fdKinds)))].sort();
  const memory = { maxChange: 0.1, relative: true, maxRatio: 1.25 };
  const fds = { maxChange: 4, relative: false, maxRatio: 1.15 };
  const series: { name: string; unit: string; gated: boolean; points: { at: number; v: number }[]; limits: typeof memory }[] = [
    { name: 'RSS after GC', unit: 'MiB', gated: true, points: gcHalf.map((s) => ({ at: s.at, v: s.rss })), limits: memory },
    { name: 'RSS anon after GC', unit: 'MiB', gated: true, points: gcHalf.map((s) => ({ at: s.at, v: s.anon })), limits: memory },
    { name: 'JS heap after GC', unit: 'MiB', gated: false, points: gcHalf.map((s) => ({ at: s.at, v: s.heapUsed })), limits: memory },
    { name: 'RSS', unit: 'MiB', gated: false, points: half.map((s) => ({ at: s.at, v: s.rssMiB })), limits: memory },
    { name: 'RSS anon', unit: 'MiB', gated: false, points: half.map((s) => ({ at: s.at, v: s.memory.anon })), limits: memory },
    { name: 'RSS file', unit: 'MiB', gated: false, points: half.map((s) => ({ at: s.at, v: s.memory.file })), limits: memory },
    { name: 'RSS shmem', unit: 'MiB', gated: false, points: half.map((s) => ({ at: s.at, v: s.memory.shmem })), limits: memory },
    { name: 'JS heap used', unit: 'MiB', gated: false, points: heapHalf.map((s) => ({ at: s.at, v: s.heapUsed })), limits: memory },
    { name: 'JS heap total', unit: 'MiB', gated: false, points: heapHalf.map((s) => ({ at: s.at, v: s.heapTotal })), limits: memory },
    { name: 'V8 external', unit: 'MiB', gated: false, points: heapHalf.map((s) => ({ at: s.at, v: s.external })), limits: memory },
    { name: 'anon: V8 pages', unit: 'MiB', gated: false, points: heapHalf.map((s) => ({ at: s.at, v: s.v8Pages })), limits: memory },
    { name: 'anon: malloc', unit: 'MiB', gated: false, points: heapHalf.map((s) => ({ at: s.at, v: s.malloc })), limits: memory },
    { name: 'anon: other', unit: 'MiB', gated: false, points: heapHalf.map((s) => ({ at: s.at, v: s.otherAnon })), limits: memory },
    // LanceDB opens a file for each read (per fragment, per index partition) and closes it after:
    // under 20 searchers hundreds are open at any moment, more as the table grows. They are judged
    // at rest after the load (below). A leaked fd never closes, so it raises the floor of the rest;
    // connections in flight swing above it. The floor is each 20 s's lowest count.
    { name: 'fds floor w/o LanceDB reads', unit: 'fds', gated: true, points: floorOf(half.map((s) => ({ at: s.at, v: s.fds - (s.fdKinds.lancedb ?? 0) })), 20_000), limits: fds },
    { name: 'fds', unit: 'fds', gated: false, points: half.map((s) => ({ at: s.at, v: s.fds })), limits: fds },
    ...kinds.map((k) => ({ name: `fds ${k}`, unit: 'fds', gated: false, points: half.map((s) => ({ at: s.at, v: s.fdKinds[k] ?? 0 })), limits: fds })),
    { name: 'papers', unit: 'papers', gated: false, points: half.map((s) => ({ at: s.at, v: s.papers })), limits: memory },
  ];
  const from = Math.max(warmupMs, durationMs / 2) / 1000;
  return series.flatMap((x) => {
    const t = trendOf(x.points);
    // A gated series with too few samples (GCs that timed out under load) is a failure, not a pass.
    if (!t) return x.gated ? [{ name: x.name, gated: true, flat: false, line: `  ${x.name.padEnd(16)} ${x.points.length} samples: too few to judge: NOT flat` }] : [];
    const v = verdictOf(t, x.limits);
    const flat = v.verdict === 'flat';
    const mark = x.gated ? (flat ? 'flat' : `NOT flat (${v.verdict})`) : `(${v.verdict})`;
    return [{
      name: x.name, gated: x.gated, flat,
      line: `  ${x.name.padEnd(16)} ${t.min.toFixed(0)}..${t.max.toFixed(0)} ${x.unit}, slope ${t.slopePerMin.toFixed(2)} ${x.unit}/min over ${from.toFixed(0)} s..end (${t.points} samples): ${v.why}: ${mark}`,
    }];
  });
}
// Let the pipeline finish what the soak gave it, then drain the node and check the stores.
const enrichPendingIn = (text: string) =>
  // Queued and leased are two lines: both must be 0.
  [...text.matchAll(/^paperd_jobs_by_kind\{[^}]*kind="enrich"[^}]*state="(?:queued|leased)"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
const settleEnd = Date.now() + settleMaxS * 1000;
let depth = NaN;
while (Date.now() < settleEnd) {
  const text = await (await fetch(`${url}/metrics`)).text();
  depth = Number(/^paperd_pipeline_depth\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? NaN);
  if (depth === 0 && enrichPendingIn(text) === 0) break;
  await new Promise((r) => setTimeout(r, 1_000));
}
// The pipeline done, work goes on: enrichments the fallback answered are queued again for the LLM
// (every `enrichment.redoCheckMs`, as offline-priority enrich jobs), and maintenance folds new
// vectors into the index in a child process. That is work, not rest: offline classes are paused
// (their queues stay in the journal), and the node is at rest once no offline step runs, no
// enrich job is queued or leased, and no request has reached the LLMs for 6 s.
const llmRequests = () => proxies.reduce((n, p) => n + p.counts.forwarded + p.counts.failed, 0);
type JobClasses = { classes: { name: string; queued: number; running: number }[] };
const paused = await fetch(`${url}/v1/jobs/pause`, { method: 'POST', headers: auth });
if (paused.status !== 200) throw new Error(`pausing offline work: HTTP ${paused.status} ${await paused.text()}`);
const quietFrom = Date.now();
let offline: JobClasses = { classes: [] };
let enrichPending = 0;
let atRest = false;
for (let last = llmRequests(), quietSince = Date.now(); Date.now() - quietFrom < 360_000; ) {
  await new Promise((r) => setTimeout(r, 1_000));
  offline = (await (await fetch(`${url}/v1/jobs`, { headers: auth })).json()) as JobClasses;
  enrichPending = enrichPendingIn(await (await fetch(`${url}/metrics`)).text());
  if (llmRequests() !== last || enrichPending > 0 || offline.classes.some((c) => c.running > 0)) {
    last = llmRequests();
    quietSince = Date.now();
  } else if (Date.now() - quietSince >= 6_000) {
    atRest = true;
    break;
  }
}
const offlineRunning = offline.classes.filter((c) => c.running > 0).map((c) => c.name).join(', ');
const offlineQueued = offline.classes.filter((c) => c.queued > 0).map((c) => `${c.name} ${c.queued}`).join(', ');
const quietAfterS = (Date.now() - quietFrom) / 1000;
// At rest after the load: reads in flight have finished; what stays open beyond the start's count
// leaked. 3 s after the last work the router's connections to the LLM endpoints are still kept
// alive for the next request; they close once the endpoint's keep-alive timeout has passed (5 s
// for Node's http servers, which the fakes and their proxies are, and for vLLM's uvicorn), so the
// node is at rest after that.
await new Promise((r) => setTimeout(r, 3_000));
const justAfter = fdKinds(node.pid!, dataDir);
await new Promise((r) => setTimeout(r, 7_000));
const { kinds: fdsAtRestAfter, lancedbFiles: lancedbAtRest, outPorts: outAtRest } = fdKinds(node.pid!, dataDir);
const tableIndexes = await describeIndexes(join(dataDir, 'lancedb')).catch((error: unknown) => `(not read: ${(error as Error).message})`);
const metrics = await (await fetch(`${url}/metrics`)).text();
const metric = (re: RegExp) => [...metrics.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
const settledSeconds = (Date.now() - t0) / 1000 - loadSeconds;
const drain = spawn(process.execPath, [bin, 'drain', '--url', url], { env: { ...process.env, PAPERD_API_KEY: admin }, stdio: ['ignore', 'pipe', 'pipe'] });
let drainOut = '';
drain.stdout.on('data', (d: Buffer) => (drainOut += d.toString()));
drain.stderr.on('data', (d: Buffer) => (drainOut += d.toString()));
const drainCode = await new Promise<number | null>((r) => drain.once('exit', r));
const nodeCode = await exited;
const check = spawn(process.execPath, [bin, 'check', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
let checkOut = '';
check.stdout.on('data', (d: Buffer) => (checkOut += d.toString()));
check.stderr.on('data', (d: Buffer) => (checkOut += d.toString()));
const checkCode = await new Promise<number | null>((r) => check.once('exit', r));

const recovered = crashes.filter((c) => c.recoveredMs !== null);
const total = Object.values(served).reduce((a, b) => a + b, 0);
console.log(`\nrequests served: ${total} in ${loadSeconds.toFixed(0)} s (${(total / loadSeconds).toFixed(0)}/s): ${served.search} searches, ${served.import} imports (${importedPapers} papers), ${served.webhook} webhooks, ${served.crash} crash injections`);
console.log(`errors: ${errors.length}${errors.length ? ` (${errors.slice(0, 5).map((e) => `${e.kind} ${e.status} at ${(e.at / 1000).toFixed(0)} s`).join('; ')})` : ''}`);
console.log(
  `injected crashes: ${crashes.length}, recovered: ${recovered.length} (${crashes.map((c) => `${c.actor.split('/').pop()} ${c.recoveredMs === null ? 'NOT recovered' : `${c.recoveredMs} ms`}${c.queuedMs ? ` after ${c.queuedMs} ms in its mailbox` : ''}`).join(', ')})`,
);
console.log(`node error log lines: ${nodeLogs.errors} (injected crashes and their restarts: ${nodeLogs.crashLines})${nodeLogs.lastErrors.length ? `; others: ${nodeLogs.lastErrors.join(' | ')}` : ''}`);
const all = searchTimes.map((s) => s.ms);
console.log(`search latency overall: p50 ${pct(all, 50).toFixed(1)} ms, p99 ${pct(all, 99).toFixed(1)} ms`);
console.log(`LLM: ${proxies.reduce((n, p) => n + p.counts.failed, 0)} requests failed on purpose of ${proxies.reduce((n, p) => n + p.counts.forwarded + p.counts.failed, 0)}; router requests by outcome: ${[...metrics.matchAll(/^paperd_llm_requests_total\{[^}]*outcome="([^"]+)"[^}]*\} (\d+)/gm)].map((m) => `${m[1]} ${m[2]}`).join(', ') || 'none'}`);
console.log(`enrichments by the LLM: ${metric(/^paperd_jobs_by_kind\{[^}]*kind="enrich"[^}]*state="done"[^}]*\} (\d+)/gm)} done`);
const verdicts = seriesVerdicts();
console.log(`series after warm-up (${(warmupMs / 1000).toFixed(0)} s), judged over the run's second half:`);
for (const v of verdicts) console.log(v.line);
// Connections to the node's API are left out: the soak's own keep-alive connections, which the
// server keeps for its keepAliveTimeout (the floor above judges them). Connections the node made
// (LLM endpoints, the link) count.
const restTotal = (k: Record<string, number>) => Object.entries(k).reduce((a, [kind, n]) => (kind === 'socket in' ? a : a + n), 0);
const restGrew = restTotal(fdsAtRestAfter) - restTotal(fdsAtRestBefore);
// SQLite connections and LanceDB tables opened on first use account for a few more.
const restFlat = atRest && restGrew <= Math.max(8, restTotal(fdsAtRestBefore) * 0.1);
const kindsAtRest = [...new Set([...Object.keys(fdsAtRestBefore), ...Object.keys(fdsAtRestAfter)])].sort().map((k) => `${k} ${fdsAtRestBefore[k] ?? 0}→${fdsAtRestAfter[k] ?? 0}`).join(', ');
console.log(`  fds at rest but API connections, before the load → after it: ${restTotal(fdsAtRestBefore)} → ${restTotal(fdsAtRestAfter)} (${kindsAtRest}): ${restFlat ? 'flat' : 'NOT flat'}`);
verdicts.push({ name: 'fds at rest', gated: true, flat: restFlat, line: '' });
console.log(
  `  offline work paused once the pipeline had finished; ${atRest ? `at rest ${(quietAfterS - 6).toFixed(0)} s later` : `NOT at rest after ${quietAfterS.toFixed(0)} s (enrich jobs pending ${enrichPending}${offlineRunning ? `, offline running: ${offlineRunning}` : ''})`}; offline classes left queued: ${offlineQueued || 'nothing'}; 3 s later (connections kept alive): socket out ${justAfter.kinds['socket out'] ?? 0}, lancedb ${justAfter.kinds.lancedb ?? 0}`,
);
if (lancedbAtRest.length > 0) console.log(`  LanceDB files open at rest: ${lancedbAtRest.join(', ')}; the tables' indexes: ${tableIndexes}`);
if (outAtRest.length > 0) {
  const names = new Map<number, string>([...proxies.map((p, i) => [Number(new URL(p.baseUrl).port), `LLM endpoint ${['gpu', 'mac'][i]}`] as const), ...fakes.map((f, i) => [Number(new URL(f.baseUrl).port), `fake vLLM ${['gpu', 'mac'][i]}`] as const)]);
  const byPeer = new Map<string, number>();
  for (const port of outAtRest) byPeer.set(names.get(port) ?? `port ${port}`, (byPeer.get(names.get(port) ?? `port ${port}`) ?? 0) + 1);
  console.log(`  connections the node made, open at rest: ${[...byPeer].map(([peer, n]) => `${peer} ${n}`).join(', ')}`);
}
console.log(`pipeline depth before the drain: ${depth} (${settledSeconds.toFixed(0)} s after the load stopped); drain: exit ${drainCode} (${drainOut.trim().split('\n').pop()}), node exit ${nodeCode}`);
console.log(`paperd check: exit ${checkCode}\n${checkOut.trim()}`);

await Promise.all([...proxies.map((p) => p.close()), ...fakes.map((f) => f.stop())]);
rmSync(dataDir, { recursive: true, force: true });
const flat = verdicts.filter((v) => v.gated).every((v) => v.flat);
const ok = errors.length === 0 && recovered.length === crashes.length && checkCode === 0 && drainCode === 0 && nodeCode === 0 && flat;
console.log(ok ? '\nsoak: PASS' : '\nsoak: FAIL');
process.exit(ok ? 0 : 1);
