/**
 * The offline system's promise: search stays fast while a backfill runs at full speed. Over the
 * same node and corpus, in one run: search latency at rest, then the same queries while an OAI-PMH
 * backfill (a local repository answering at once, arXiv's 3 s pacing off) runs as offline work,
 * then the backfill alone. Prints p50/p99 of each, the p99 ratio (goal: at most 1.5x), and how
 * fast the backfill went with and without searches, so a ratio bought by starving it shows.
 * Run: npm run bench:offline [-- --papers 100000 --data DIR --queries 40 --rounds 3 --backfill 200000]
 * The host's load average is left out of the load signals (PAPERD_OFFLINE_LOAD_CPU_*): on a shared
 * machine it measures the neighbours; the pipeline depth and API latency signals stay on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { apiKey, spawnNode } from '../test/support/node-process.js';
import { startOaiRepository } from '../test/support/offline-oai-repo.js';
import { buildSearchCorpus } from './support/search-corpus.js';
import { pickQueries } from './support/search-queries.js';
import { numberOption, percentile, stringOption } from './support/bench-args.js';

const count = numberOption('papers', 100_000);
const perBand = numberOption('queries', 40);
const rounds = numberOption('rounds', 3);
const backfillRecords = numberOption('backfill', 200_000);
const given = stringOption('data');
const dir = given ?? mkdtempSync(join(tmpdir(), 'paperd-bench-offline-'));
const log = (line: string) => console.log(line);
const keepAlive = setInterval(() => {}, 60_000);

const ms = (v: number) => `${v.toFixed(1).padStart(7)} ms`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

async function main(): Promise<void> {
  log(`bench:offline — ${count.toLocaleString('en-US')} papers in ${dir}`);
  await buildSearchCorpus(dir, count, (line) => log(line));
  const db = openDatabase(sqlitePath(dir));
  const queries = pickQueries(db, perBand).flatMap((b) => b.queries);
  db.close();
  const admin = apiKey(dir, ['admin']);

  const perPage = 500;
  const repo = await startOaiRepository({ pages: Math.ceil(backfillRecords / perPage), perPage, delayMs: 0 });
  const node = spawnNode({
    dataDir: dir,
    env: {
      PAPERD_LOG_LEVEL: 'info',
      PAPERD_PIPELINE_FETCH_PDFS: 'false',
      PAPERD_ARXIV_OAI_BASE_URL: repo.url,
      PAPERD_ARXIV_INTERVAL_MS: '0',
      PAPERD_OFFLINE_LOAD_CPU_MODERATE: '1000',
      PAPERD_OFFLINE_LOAD_CPU_HIGH: '1000',
    },
  });
  try {
    const url = await node.url;
    const search = async (q: string) => {
      const res = await fetch(`${url}/v1/search?${new URLSearchParams({ q, limit: '10' })}`);
      if (res.status !== 200) throw new Error(`search ${JSON.stringify(q)}: HTTP ${res.status}`);
      await res.json();
    };
    const backfill = async () =>
      ((await (await fetch(`${url}/v1/jobs`)).json()) as { classes: { name: string; done: number; state: string }[] }).classes.find((c) => c.name === 'backfill')!;
    const timed = async (): Promise<number[]> => {
      const out: number[] = [];
      for (let r = 0; r < rounds; r++) {
        for (const q of queries) {
          const t0 = performance.now();
          await search(q);
          out.push(performance.now() - t0);
        }
      }
      return out;
    };
    // Only the backfill's effect is measured: startup maintenance (vector index, FTS merge) is let
    // finish, then every other class is paused for both phases, and nothing offline runs at rest.
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    for (let i = 0; i < 120; i++) {
      const j = (await (await fetch(`${url}/v1/jobs`)).json()) as { classes: { name: string; state: string }[] };
      if (j.classes.find((c) => c.name === 'maintenance')?.state !== 'running') break;
      await sleep(1_000);
    }
    const classes = ((await (await fetch(`${url}/v1/jobs`)).json()) as { classes: { name: string }[] }).classes.map((c) => c.name);
    for (const name of classes.filter((c) => c !== 'backfill')) await fetch(`${url}/v1/jobs/pause`, { method: 'POST', headers, body: JSON.stringify({ class: name }) });
    for (let i = 0; i < 120; i++) {
      const j = (await (await fetch(`${url}/v1/jobs`)).json()) as { classes: { running: number }[] };
      if (j.classes.every((c) => c.running === 0)) break;
      await sleep(500);
    }
    log(`paused for the measurement: ${classes.filter((c) => c !== 'backfill').join(', ')}`);
    for (const q of queries.slice(0, 20)) await search(q);
    const rest = await timed();

    const queued = await fetch(`${url}/v1/jobs/backfill`, { method: 'POST', headers, body: JSON.stringify({ from: '2024-02-01', until: '2024-02-29' }) });
    if (queued.status !== 202) throw new Error(`backfill: HTTP ${queued.status} ${await queued.text()}`);
    for (let i = 0; i < 600 && (await backfill()).done < perPage * 2; i++) await sleep(200);
    const duringStart = { done: (await backfill()).done, at: performance.now() };
    const during = await timed();
    const duringEnd = { done: (await backfill()).done, at: performance.now() };
    const alone0 = { done: (await backfill()).done, at: performance.now() };
    await sleep(Math.max(10_000, duringEnd.at - duringStart.at));
    const alone1 = { done: (await backfill()).done, at: performance.now() };
    const rate = (a: { done: number; at: number }, b: { done: number; at: number }) => ((b.done - a.done) / (b.at - a.at)) * 1000;

    log('');
    log(`search (${queries.length} queries × ${rounds} rounds, one at a time, through the API)`);
    log(`  at rest             p50 ${ms(percentile(rest, 0.5))}  p99 ${ms(percentile(rest, 0.99))}`);
    log(`  backfill running    p50 ${ms(percentile(during, 0.5))}  p99 ${ms(percentile(during, 0.99))}`);
    const ratio = percentile(during, 0.99) / percentile(rest, 0.99);
    log(`  p99 ratio (backfill running / at rest): ${ratio.toFixed(2)}x  (goal: at most 1.5x) ${ratio <= 1.5 ? 'MET' : 'NOT MET'}`);
    log(`backfill: ${rate(duringStart, duringEnd).toFixed(0)} records/s while searches ran, ${rate(alone0, alone1).toFixed(0)} records/s alone (${alone1.done.toLocaleString('en-US')} of ${repo.total.toLocaleString('en-US')} harvested)`);
    // The data dir may be kept (--data): leave its classes as they were.
    await fetch(`${url}/v1/jobs/resume`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
  } finally {
    node.child.kill('SIGTERM');
    await node.exited;
    await repo.close();
    clearInterval(keepAlive);
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
