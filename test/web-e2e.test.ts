import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ensureWebBuilt } from '../web/build.js';
import { apiKey, spawnNode, tempDataDir, withKey, type NodeProcess } from './support/node-process.js';
import { until } from './support/until.js';
import { webPapersAtom } from './support/web-papers.js';
import { freePort } from './support/free-port.js';

/** Debian's Chromium, installed by .ci/run; never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium keeps calling out of a closed network. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = resolve('test-artifacts', 'web');


interface ActorNode {
  path: string;
  kind: string;
  status: string;
  children: ActorNode[];
}
/** The little of the DOM these tests read inside the page (test code is compiled without the DOM's types). */
interface InPage {
  document: {
    activeElement: { textContent: string | null } | null;
    querySelector(selector: string): { textContent: string | null } | null;
    documentElement: { scrollWidth: number; clientWidth: number };
  };
  marker?: number;
}
const flatten = (nodes: ActorNode[]): ActorNode[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);

describe('the web page in a browser (headless Chromium)', function () {
  this.timeout(180_000);
  let node: NodeProcess;
  let url: string;
  let admin: string;
  let context: BrowserContext;
  let profile: string;
  let dataDir: string;
  const problems: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.warn(`    skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`);
      this.skip();
    }
    await ensureWebBuilt({ quiet: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = tempDataDir();
    admin = apiKey(dataDir, ['admin']);
    node = spawnNode({ dataDir, env: { PAPERD_TEST_HOOKS: 'true', PAPERD_PIPELINE_FETCH_PDFS: 'false', PAPERD_PIPELINE_IDLE_MS: '100', PAPERD_LOG_LEVEL: 'info' } });
    url = await node.url;
    const res = await fetch(`${url}/v1/import?name=papers.atom`, { method: 'POST', headers: { ...withKey(admin, false), 'content-type': 'application/octet-stream' }, body: webPapersAtom() });
    expect(res.status, await res.clone().text()).to.equal(200);
    // The page is tested on a settled store: every paper searchable and the code link in the graph.
    await until('the imported papers in search and the graph', async () => {
      const search = (await (await fetch(`${url}/v1/search?q=transformer&limit=1`)).json()) as { total?: number };
      const code = (await (await fetch(`${url}/v1/papers/2401.00001/code`)).json()) as { repositories?: unknown[] };
      return (search.total ?? 0) >= 24 && (code.repositories?.length ?? 0) > 0 ? true : undefined;
    }, 60_000);

    profile = mkdtempSync(join(tmpdir(), 'paperd-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (node) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** A page that records every script error and CSP violation, for the last test to assert none. */
  async function newPage(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|404)/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    return page;
  }

  it('starts with what the store holds and a chart of papers per day', async () => {
    const page = await newPage();
    await page.goto(`${url}/`);
    const papers = page.locator('.figures div', { hasText: /^papers/ }).locator('dd');
    await papers.waitFor();
    expect(await papers.textContent()).to.equal('27');
    const chart = page.getByRole('img', { name: /^Papers per day/ });
    await chart.waitFor();
    // The fixture's papers span 2024-01-10 to 2024-01-22: the series ends at the newest.
    expect(await page.locator('figure.chart figcaption').textContent()).to.match(/to 2024-01-22$/);
    const bars = await page.locator('figure.chart rect.bar title').allTextContents();
    expect(bars).to.include('2024-01-10: 1 paper');
    expect(bars.filter((t) => !t.endsWith(': 0 papers')).length).to.be.greaterThan(5);
    await page.close();
  });

  it('searches as one types, renders snippets as text with marks, and keeps the query in the URL', async () => {
    const page = await newPage();
    await page.goto(`${url}/`);
    await page.getByRole('searchbox', { name: 'Search papers' }).pressSequentially('sparse attention', { delay: 20 });
    const first = page.locator('.result').first();
    await first.locator('.result-title').getByText('Sparse attention for long documents').waitFor();
    expect(await first.locator('.badge-code').textContent()).to.equal('has code');
    expect(await first.locator('.snippet mark').allTextContents()).to.include.members(['attention']);
    // The abstract's "<quickly>" is text: escaped by the API, shown as typed, never an element.
    expect(await first.locator('.snippet').textContent()).to.include('<quickly> & cheaply');
    expect(await page.locator('.snippet quickly').count()).to.equal(0);
    expect(new URL(page.url()).searchParams.get('q')).to.equal('sparse attention');
    expect(await page.locator('#search-status').textContent()).to.match(/\d+ results?/);
    await page.screenshot({ path: join(ARTIFACTS, 'search.png'), fullPage: true });
    await page.close();
  });

  it('opens a paper from the results by keyboard and shows its code, its arXiv page and its neighbourhood', async () => {
    const page = await newPage();
    await page.goto(`${url}/?q=${encodeURIComponent('sparse attention')}`);
    await page.locator('.result-title a').first().waitFor();
    await page.getByRole('searchbox', { name: 'Search papers' }).press('ArrowDown');
    expect(await page.evaluate(() => (globalThis as unknown as InPage).document.activeElement?.textContent)).to.equal('Sparse attention for long documents');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${url}/paper/2401.00001`);
    await page.getByRole('heading', { level: 1, name: 'Sparse attention for long documents' }).waitFor();
    const repo = page.locator('.code-links').getByRole('link', { name: /sparse-attn/i });
    await repo.waitFor();
    expect(await repo.getAttribute('href')).to.equal('https://github.com/acme/sparse-attn');
    expect(await page.getByRole('link', { name: 'arXiv abstract page' }).getAttribute('href')).to.equal('https://arxiv.org/abs/2401.00001');
    await page.locator('.neighbourhood svg').waitFor();
    expect(await page.locator('.neighbourhood .node-repository').count()).to.be.greaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'paper.png'), fullPage: true });
    // Back returns to the same search, from the history.
    await page.goBack();
    await page.locator('.result').first().waitFor();
    expect(await page.getByRole('searchbox', { name: 'Search papers' }).inputValue()).to.equal('sparse attention');
    await page.close();
  });

  it('opens a shared search link with its filters and page', async () => {
    const page = await newPage();
    await page.goto(`${url}/?q=transformer&category=cs.LG&page=2`);
    await page.locator('.pager').waitFor();
    expect(await page.locator('.pager span').textContent()).to.match(/^Page 2 of \d+$/);
    expect(await page.getByRole('checkbox', { name: /cs\.LG/ }).isChecked()).to.equal(true);
    const ids = await page.locator('.result .paper-id').allTextContents();
    expect(ids.length).to.be.greaterThan(0);
    await page.getByRole('button', { name: '← Previous' }).click();
    await page.waitForURL((u) => !u.searchParams.has('page'));
    await page.locator('#search-status', { hasText: /page 1 of/ }).waitFor();
    const firstPage = await page.locator('.result .paper-id').allTextContents();
    expect(firstPage.filter((id) => ids.includes(id)), 'pages do not overlap').to.deep.equal([]);
    await page.close();
  });

  it('shows the live supervision tree, and a crash appears in the tree and the restart log without a reload', async () => {
    const page = await newPage();
    await page.goto(`${url}/system`);
    await page.locator('.link-live').waitFor();
    const tree = (await (await fetch(`${url}/v1/actors`)).json()) as { tree: ActorNode[] };
    const target = flatten(tree.tree).find((n) => n.kind === 'worker' && n.status === 'running' && /indexer|vector-sync/.test(n.path)) ?? flatten(tree.tree).find((n) => n.kind === 'worker')!;
    const row = page.locator(`li[data-path="${target.path}"] > .actor-row`);
    await row.waitFor();
    expect(await row.locator('.restart-count').textContent()).to.equal('0');
    await page.evaluate(() => ((globalThis as unknown as InPage).marker = 42));

    const crash = await fetch(`${url}/v1/test/crash`, { method: 'POST', headers: withKey(admin), body: JSON.stringify({ path: target.path }) });
    expect(crash.status).to.equal(202);

    await page.locator(`tr[data-actor="${target.path}"]`).first().waitFor({ timeout: 20_000 });
    expect(await page.locator(`tr[data-actor="${target.path}"]`).first().textContent()).to.include('InjectedCrashError');
    await page.waitForFunction((path) => (globalThis as unknown as InPage).document.querySelector(`li[data-path="${path}"] > .actor-row .restart-count`)?.textContent === '1', target.path, { timeout: 20_000 });
    await page.waitForFunction((path) => (globalThis as unknown as InPage).document.querySelector(`li[data-path="${path}"] > .actor-row .status`)?.textContent === 'running', target.path, { timeout: 20_000 });
    expect(await page.locator('.events').textContent()).to.include('actor.failed');
    expect(await page.evaluate(() => (globalThis as unknown as InPage).marker), 'the page was not reloaded').to.equal(42);
    await page.screenshot({ path: join(ARTIFACTS, 'system.png'), fullPage: true });
    await page.close();
  });

  it('pauses and resumes offline jobs from the page, with the admin key typed into it', async function () {
    if ((await fetch(`${url}/v1/jobs`)).status === 404) {
      console.warn('    skipped: this node has no offline jobs (GET /v1/jobs is 404)');
      this.skip();
    }
    const paused = async () => ((await (await fetch(`${url}/v1/jobs`)).json()) as { paused: boolean }).paused;
    expect(await paused()).to.equal(false);
    const page = await newPage();
    await page.goto(`${url}/system`);
    const panel = page.locator('.jobs');
    await panel.getByRole('button', { name: 'Pause all', exact: true }).click();
    await panel.getByRole('alert').getByText(/Needs an admin key/).waitFor();
    expect(await paused(), 'refused without a key').to.equal(false);

    await panel.getByLabel('Admin key').fill(admin);
    await panel.getByRole('button', { name: 'Use key', exact: true }).click();
    await panel.getByRole('button', { name: 'Pause all', exact: true }).click();
    await panel.getByRole('button', { name: 'Resume all', exact: true }).waitFor();
    expect(await paused()).to.equal(true);
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('paperd.apiKey'))).to.equal(admin);
    await page.screenshot({ path: join(ARTIFACTS, 'jobs-paused.png'), fullPage: true });
    await panel.getByRole('button', { name: 'Resume all', exact: true }).click();
    await panel.getByRole('button', { name: 'Pause all', exact: true }).waitFor();
    expect(await paused()).to.equal(false);
    await page.close();
  });

  it('fits a narrow screen without sideways scrolling', async () => {
    const page = await newPage();
    await page.setViewportSize({ width: 375, height: 800 });
    for (const [path, ready] of [[`/?q=attention`, '.result'], ['/paper/2401.00001', '.code-links'], ['/system', '.actor-row']] as const) {
      await page.goto(`${url}${path}`);
      await page.locator(ready).first().waitFor();
      const overflow = await page.evaluate(() => {
        const root = (globalThis as unknown as InPage).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });
      expect(overflow, `${path} scrolls sideways by ${overflow}px`).to.be.at.most(0);
      await page.screenshot({ path: join(ARTIFACTS, `narrow-${path.split(/[/?]/)[1] || 'search'}.png`), fullPage: true });
    }
    await page.close();
  });

  it('has no WCAG 2.1 A or AA violation that axe-core finds, in light and dark', async () => {
    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const found: string[] = [];
    for (const [path, ready] of [['/', '.figures'], ['/?q=attention', '.result'], ['/paper/2401.00001', '.neighbourhood svg'], ['/system', '.actor-row']] as const) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const page = await newPage();
        await page.emulateMedia({ colorScheme });
        await page.goto(`${url}${path}`);
        await page.locator(ready).first().waitFor();
        // Evaluated through the browser's debugging protocol, which the page's CSP does not govern.
        await page.evaluate(axe);
        const { violations } = (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`)) as {
          violations: { id: string; nodes: { target: string[] }[] }[];
        };
        for (const v of violations) found.push(`${path} (${colorScheme}): ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        await page.close();
      }
    }
    expect(found).to.deep.equal([]);
  });

  it('ran with no script error and no Content-Security-Policy violation', () => {
    expect(problems).to.deep.equal([]);
  });
});

describe('the web page on a node whose reads need a key', function () {
  this.timeout(180_000);
  let node: NodeProcess;
  let url: string;
  let reader: string;
  let context: BrowserContext;
  let profile: string;
  let dataDir: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.warn(`    skipped: ${CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)`);
      this.skip();
    }
    await ensureWebBuilt({ quiet: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = tempDataDir();
    reader = apiKey(dataDir, ['read']);
    // An LLM endpoint where nothing listens: its probes are refused, so the page has a failing endpoint to show.
    const deadPort = await freePort();
    const endpoints = [{ name: 'dead-gpu', kind: 'vllm', baseUrl: `http://127.0.0.1:${deadPort}/v1`, models: ['Qwen/Qwen2.5-7B-Instruct'], priority: 0 }];
    node = spawnNode({
      dataDir,
      env: { PAPERD_API_OPEN_READS: 'false', PAPERD_PIPELINE_FETCH_PDFS: 'false', PAPERD_LOG_LEVEL: 'info', PAPERD_LLM_ENDPOINTS: JSON.stringify(endpoints), PAPERD_LLM_PROBE_INTERVAL_MS: '200' },
    });
    url = await node.url;
    profile = mkdtempSync(join(tmpdir(), 'paperd-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (node) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for a key when a search is refused, then searches with it', async () => {
    const page = await context.newPage();
    await page.goto(`${url}/?q=attention`);
    const key = page.getByLabel('This node needs an API key for reads');
    await key.waitFor();
    await key.fill(reader);
    await page.getByRole('button', { name: 'Use key', exact: true }).click();
    await page.locator('#search-status', { hasText: /No results|result/ }).waitFor();
    expect(await page.locator('#search-status').textContent()).not.to.include('failed');
    await page.close();
  });

  it('shows the tree by polling when the event stream is refused (EventSource sends no key), and a failing LLM endpoint', async () => {
    const page = await context.newPage();
    await page.goto(`${url}/system`);
    const key = page.getByLabel('If this node needs a key for reads, give it here');
    await key.fill(reader);
    await key.press('Enter');
    await page.locator('.link-polling').waitFor();
    await page.locator('li[data-path="root"]').waitFor();
    // The LLM endpoint's health, with the key too: the refused probes have cooled it.
    const endpoint = page.locator('.endpoints li', { hasText: 'dead-gpu' });
    await endpoint.locator('.status', { hasText: /^(cooling|down)$/ }).waitFor({ timeout: 30_000 });
    expect(await endpoint.locator('.last-error').textContent()).to.match(/\S/);
    await page.screenshot({ path: join(ARTIFACTS, 'system-polling.png'), fullPage: true });
    await page.close();
  });
});
