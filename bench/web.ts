/**
 * The web page's first result after typing: from the input event of the last keystroke to the
 * first result painted, in headless Chromium against a real node over a corpus of 100,000 papers;
 * beside it, the same searches straight to the API from this process, and their ratio (what the
 * page adds: its typing pause, the request from the browser, rendering).
 * Run: npm run bench:web [-- --papers 100000 --data DIR --queries 40]
 * A data dir given with --data is kept and reused by later runs of the same size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { spawnNode } from '../test/support/node-process.js';
import { ensureWebBuilt } from '../web/build.js';
import { buildSearchCorpus } from './support/search-corpus.js';
import { pickQueries } from './support/search-queries.js';
import { numberOption, percentile, stringOption } from './support/bench-args.js';

const count = numberOption('papers', 100_000);
const perBand = numberOption('queries', 40);
const given = stringOption('data');
const dir = given ?? mkdtempSync(join(tmpdir(), 'paperd-bench-web-'));
const log = (line: string) => console.log(line);
const keepAlive = setInterval(() => {}, 60_000);


/**
 * Runs in the page: empties the query box (and waits for the results to go), then sets the query
 * as the last keystroke would and times until the first result (or "No results") is painted.
 */
const FIRST_RESULT_IN_PAGE = `async (q) => {
  const input = document.getElementById('q');
  const status = document.getElementById('search-status');
  const type = (value) => { input.value = value; input.dispatchEvent(new Event('input', { bubbles: true })); };
  type('');
  while (document.querySelector('.result')) await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  type(q);
  await new Promise((resolve) => {
    const done = () => document.querySelector('.result') || /No results|failed/.test(status.textContent || '');
    if (done()) return resolve();
    const observer = new MutationObserver(() => { if (done()) { observer.disconnect(); resolve(); } });
    observer.observe(document.getElementById('main'), { childList: true, subtree: true, characterData: true });
  });
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const end = performance.now();
  const request = performance.getEntriesByType('resource').filter((e) => e.name.includes('/v1/search?') && e.startTime >= t0).pop();
  performance.clearResourceTimings();
  return request
    ? { total: end - t0, before: request.startTime - t0, request: request.responseEnd - request.startTime, after: end - request.responseEnd }
    : { total: end - t0, before: NaN, request: NaN, after: NaN };
}`;

let node: ReturnType<typeof spawnNode> | undefined;
try {
  log(`building or reusing a corpus of ${count.toLocaleString('en-US')} papers in ${dir}`);
  const built = await buildSearchCorpus(dir, count, log);
  log(`corpus: ${built.papers} papers, embedder ${built.embedder}`);
  const db = openDatabase(sqlitePath(dir), { readonly: true });
  const queries = pickQueries(db, perBand).flatMap((b) => b.queries);
  db.close();
  await ensureWebBuilt();

  node = spawnNode({ dataDir: dir, env: { PAPERD_LOG_LEVEL: 'info', PAPERD_PIPELINE_FETCH_PDFS: 'false', PAPERD_API_RATE_LIMIT_PER_ADDRESS: '100000' } });
  const url = await node.url;
  for (let i = 0; i < 600; i++) {
    const stats = (await (await fetch(`${url}/v1/stats`)).json()) as { jobs: Record<string, number> };
    if (!stats.jobs.queued && !stats.jobs.leased) break;
    await new Promise((r) => setTimeout(r, 1000));
  }

  // The API alone: the request the page makes (20 hits, facets, snippets), from this process.
  const api = async (q: string) => {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/search?${new URLSearchParams({ q, limit: '20', offset: '0' })}`);
    await res.json();
    return performance.now() - t0;
  };
  const profile = mkdtempSync(join(tmpdir(), 'paperd-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const apiTimes: number[] = [];
  const pageTimes: number[] = [];
  const parts = { before: [] as number[], request: [] as number[], after: [] as number[] };
  try {
    const page = await context.newPage();
    await page.goto(`${url}/`);
    await page.locator('#q').waitFor();
    type Timing = { total: number; before: number; request: number; after: number };
    const inPage = async (q: string) => {
      const t = (await page.evaluate(`(${FIRST_RESULT_IN_PAGE})(${JSON.stringify(q)})`)) as Timing;
      for (const k of ['before', 'request', 'after'] as const) if (!Number.isNaN(t[k])) parts[k].push(t[k]);
      return t.total;
    };
    for (const q of queries.slice(0, 5)) {
      await api(q);
      await inPage(q);
    }
    for (const k of ['before', 'request', 'after'] as const) parts[k].length = 0;
    // Each query both ways in turn, so a busy moment of the machine weighs on both alike; which
    // goes first alternates, so neither always finds the other's pages of the store warm.
    for (const [i, q] of queries.entries()) {
      if (i % 2 === 0) apiTimes.push(await api(q));
      pageTimes.push(await inPage(q));
      if (i % 2 === 1) apiTimes.push(await api(q));
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }

  const p = (v: number[], q: number) => percentile(v, q).toFixed(1).padStart(7);
  log('');
  log(`first result after the last keystroke, ${queries.length} queries over ${count.toLocaleString('en-US')} papers (goal: under 200 ms)`);
  log(`${''.padEnd(28)} ${'p50 ms'.padStart(7)} ${'p90 ms'.padStart(7)} ${'p99 ms'.padStart(7)}`);
  log(`${'API alone (GET /v1/search)'.padEnd(28)} ${p(apiTimes, 0.5)} ${p(apiTimes, 0.9)} ${p(apiTimes, 0.99)}`);
  log(`${'page: keystroke to painted'.padEnd(28)} ${p(pageTimes, 0.5)} ${p(pageTimes, 0.9)} ${p(pageTimes, 0.99)}`);
  log(`${'  typing pause, scheduling'.padEnd(28)} ${p(parts.before, 0.5)} ${p(parts.before, 0.9)} ${p(parts.before, 0.99)}`);
  log(`${'  request, seen by the page'.padEnd(28)} ${p(parts.request, 0.5)} ${p(parts.request, 0.9)} ${p(parts.request, 0.99)}`);
  log(`${'  parse, render, paint'.padEnd(28)} ${p(parts.after, 0.5)} ${p(parts.after, 0.9)} ${p(parts.after, 0.99)}`);
  log(`page / API at p50: ${(percentile(pageTimes, 0.5) / percentile(apiTimes, 0.5)).toFixed(2)} (the page waits 30 ms for the next key before it asks)`);
  log(`under 200 ms: ${((100 * pageTimes.filter((t) => t < 200).length) / pageTimes.length).toFixed(0)}% of queries`);
} finally {
  clearInterval(keepAlive);
  if (node) {
    node.child.kill('SIGTERM');
    await node.exited;
  }
  if (!given) rmSync(dir, { recursive: true, force: true });
}
