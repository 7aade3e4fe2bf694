import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { LinkConfigSchema, type LinkConfig } from '../src/link/config.js';
import { LinkNode } from '../src/link/link-node.js';
import { remoteOcrEngine } from '../src/link/remote-ocr.js';
import { ocrClass, tesseractEngine, type OcrEngine } from '../src/ocr/index.js';
import { OfflineStore } from '../src/offline/offline-store.js';
import { handStep } from './support/offline-classes.js';
import { OcrProtocol } from '../src/protocols/link-ocr.js';
import { systemClock } from '../src/runtime/clock.js';
import { silentLogger } from '../src/runtime/logger.js';
import { BlobStore } from '../src/storage/blobs.js';
import { openDatabase, sqlitePath, type Database } from '../src/storage/sqlite/database.js';
import { PaperStore } from '../src/storage/sqlite/papers.js';
import { FakeLlmServer } from './support/fake-llm-server.js';
import { LAB_TIMINGS, LinkLab, metric, nodesOf } from './support/link-lab.js';
import { apiKey, tempDataDir, type NodeProcess } from './support/node-process.js';
import { postJobs } from './support/offline-node.js';
import { ocrToolsPresent, scannedPage, writePdf } from './support/ocr-pdf.js';
import { until } from './support/until.js';



/**
 * The main node's OCR work (the real OCR class over a real SQLite store and blob store, with the
 * link's remote engine on a real LinkNode in this process) against a real `paperd up --node gpu`
 * process serving OCR over CURVE, its VLM a local vLLM fake that holds answers until released.
 */
describe('OCR across nodes: the gpu node reads scanned pages, the main node falls back when it cannot', function () {
  this.timeout(240_000);
  let lab: LinkLab;
  let vllm: FakeLlmServer;
  let main: LinkNode | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let dir: string | undefined;
  let db: Database | undefined;

  before(function () {
    if (!ocrToolsPresent()) this.skip(); // needs Debian's tesseract-ocr, tesseract-ocr-eng and poppler-utils (.ci/run installs them)
  });
  afterEach(async () => {
    if (ticker) clearInterval(ticker);
    await main?.close();
    await lab?.close();
    for (const node of Object.values(lab?.nodes ?? {})) rmSync(node.dataDir, { recursive: true, force: true });
    await vllm?.close();
    db?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    ticker = main = db = dir = undefined;
  });

  it('pages go to the gpu node; killed mid-page or too slow, they are read here; each page is kept once; restarted, pages go back to it', async () => {
    lab = await LinkLab.create();
    let transcripts = 0;
    vllm = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', models: ['ocr-vlm'], reply: () => `gpu transcript ${++transcripts} zebra` });
    vllm.set({ type: 'hold' });
    const gpuEnv = lab.env('gpu', {
      peers: ['main'],
      endpoints: [{ name: 'vllm', kind: 'vllm', baseUrl: vllm.baseUrl, models: ['ocr-vlm'] }],
      extra: { PAPERD_LINK_SERVE_OCR: 'true', PAPERD_OFFLINE_OCR_VLM_MODEL: 'ocr-vlm' },
    });
    let gpu: NodeProcess = lab.start('gpu', gpuEnv);

    // The main node's end of the link, with the lab's keys and timings.
    const m = lab.nodes.main;
    const config = Value.Default(LinkConfigSchema, {
      bind: lab.address('main'),
      heartbeatMs: Number(LAB_TIMINGS.PAPERD_LINK_HEARTBEAT_MS),
      suspectAfterMs: Number(LAB_TIMINGS.PAPERD_LINK_SUSPECT_AFTER_MS),
      downAfterMs: Number(LAB_TIMINGS.PAPERD_LINK_DOWN_AFTER_MS),
      retransmitMs: Number(LAB_TIMINGS.PAPERD_LINK_RETRANSMIT_MS),
      peers: [{ name: 'gpu', address: lab.address('gpu'), publicKey: lab.nodes.gpu.keys.publicKey }],
    }) as LinkConfig;
    main = new LinkNode({ self: 'main', keys: m.keys, config, clock: systemClock(), log: silentLogger() });
    await main.listen();
    main.connect('gpu');
    const session = main.sessions.get('gpu')!;
    ticker = setInterval(() => session.tick(), config.heartbeatMs);
    const state = (want: string) => until(`gpu ${want} on main`, async () => (session.state === want ? true : undefined), 60_000);
    await state('up');

    // Pages read here: Tesseract, counted.
    const tesseract = tesseractEngine();
    let localReads = 0;
    const local: OcrEngine = async (png, signal) => {
      localReads++;
      return tesseract(png, signal);
    };
    const ref = main.remote('gpu', 'ocr', OcrProtocol);
    const { engine, counts } = remoteOcrEngine({ ref, local, timeoutMs: 120_000, maxBytes: config.maxMessageBytes / 4, log: silentLogger() });

    dir = tempDataDir();
    db = openDatabase(join(dir, 'paperd.sqlite'));
    const papers = new PaperStore(db);
    const blobs = new BlobStore(dir);
    const scannedPaper = async (id: string, pages: string[][]) => {
      papers.upsertVersion({ id, version: 1, title: `Paper ${id}`, abstract: 'An abstract.', authors: [{ name: 'Ada Example', affiliations: [] }], categories: ['cs.LG'], source: 'arxiv-api' });
      const { sha256 } = await blobs.put(writePdf(pages.map((lines) => scannedPage(lines))));
      papers.setPdf(id, { status: 'stored', sha256 });
      papers.setBody(id, null, 'needs_ocr');
    };
    const chatsArrived = () => vllm.requests.filter((r) => r.path === '/v1/chat/completions').length;

    // Paper one, three scanned pages: the first read on the gpu, the gpu killed while it reads the second.
    await scannedPaper('2402.00001', [['first page quokka'], ['second page wombat'], ['third page platypus']]);
    const cursor: { value?: unknown } = {};
    const run = ocrClass({ db, papers, blobs, engine, dpi: 150 }).run(handStep(cursor));
    await until('page one at the gpu VLM', async () => (vllm.heldCount === 1 ? true : undefined), 60_000);
    vllm.release();
    await until('page two at the gpu VLM', async () => (chatsArrived() === 2 && vllm.heldCount === 1 ? true : undefined), 60_000);
    expect(localReads, 'nothing read here while the gpu reads').to.equal(0);
    gpu.child.kill('SIGKILL');
    await gpu.exited;
    expect(await run).to.deep.equal({ done: 1, failed: 0, more: false });
    const one = papers.get('2402.00001')!;
    expect(one.textStatus).to.equal('extracted');
    const body = one.body!.toLowerCase();
    expect(body.match(/gpu transcript \d+ zebra/g), 'page one, from the gpu, once').to.deep.equal(['gpu transcript 1 zebra']);
    expect(body, 'page one not read here as well').not.to.contain('quokka');
    expect(body.match(/wombat/g), 'page two, read here after the kill, once').to.have.length(1);
    expect(body.match(/platypus/g), 'page three, read here while the gpu is down, once').to.have.length(1);
    expect(body.indexOf('zebra')).to.be.below(body.indexOf('wombat'));
    expect(body.indexOf('wombat')).to.be.below(body.indexOf('platypus'));
    expect(counts).to.deep.equal({ remote: 1, local: 2, fellBack: 1 });
    expect(localReads).to.equal(2);
    expect(session.state).to.equal('down');

    // The gpu node comes back (same keys, same data dir): pages go to it again.
    vllm.set({ type: 'ok' });
    gpu = lab.start('gpu', gpuEnv);
    await state('up');
    await scannedPaper('2402.00002', [['fourth page numbat']]);
    expect(await ocrClass({ db, papers, blobs, engine, dpi: 150 }).run(handStep({}))).to.deep.equal({ done: 1, failed: 0, more: false });
    expect(papers.get('2402.00002')!.body).to.match(/^gpu transcript \d+ zebra$/);
    expect(counts).to.deep.equal({ remote: 2, local: 2, fellBack: 1 });

    // Up but too slow: past the deadline the page is read here, and the gpu stops reading it.
    vllm.set({ type: 'hold' });
    const impatient = remoteOcrEngine({ ref, local, timeoutMs: 1_500, maxBytes: config.maxMessageBytes / 4, log: silentLogger() });
    await scannedPaper('2402.00003', [['fifth page echidna']]);
    const slow = ocrClass({ db, papers, blobs, engine: impatient.engine, dpi: 150 }).run(handStep({}));
    // Pages one, two, four, then five: the fourth chat the VLM sees, held there.
    await until('page five at the gpu VLM', async () => (chatsArrived() === 4 && vllm.inFlight === 1 ? true : undefined), 60_000);
    expect(await slow).to.deep.equal({ done: 1, failed: 0, more: false });
    expect(impatient.counts).to.deep.equal({ remote: 0, local: 1, fellBack: 1 });
    // The gpu gives the page up too once its asker stopped waiting: the VLM request is withdrawn, never answered.
    await until('the gpu to withdraw page five', async () => (vllm.inFlight === 0 ? true : undefined), 60_000);
    expect(transcripts, 'no transcript made for a page read here').to.equal(2);
    const three = papers.get('2402.00003')!.body!.toLowerCase();
    expect(three).to.contain('echidna').and.not.to.contain('zebra');
    expect(session.depth().asks, 'no ask left waiting').to.equal(0);

    // A page image larger than the link carries is read here and never sent.
    const narrow = remoteOcrEngine({ ref, local, timeoutMs: 120_000, maxBytes: 1_000, log: silentLogger() });
    await scannedPaper('2402.00004', [['sixth page dingo']]);
    expect(await ocrClass({ db, papers, blobs, engine: narrow.engine, dpi: 150 }).run(handStep({}))).to.deep.equal({ done: 1, failed: 0, more: false });
    expect(narrow.counts).to.deep.equal({ remote: 0, local: 1, fellBack: 0 });
    expect(papers.get('2402.00004')!.body).to.match(/dingo/i);
    expect(chatsArrived()).to.equal(4);
  });
  it('a main node with link.ocrNode sends its scanned pages to the gpu node from its own offline scheduler', async () => {
    lab = await LinkLab.create();
    let transcripts = 0;
    vllm = await FakeLlmServer.start({ flavor: 'vllm', name: 'gpu', models: ['ocr-vlm'], reply: () => `gpu transcript ${++transcripts} zebra` });
    lab.start('gpu', lab.env('gpu', {
      peers: ['main'],
      endpoints: [{ name: 'vllm', kind: 'vllm', baseUrl: vllm.baseUrl, models: ['ocr-vlm'] }],
      extra: { PAPERD_LINK_SERVE_OCR: 'true', PAPERD_OFFLINE_OCR_VLM_MODEL: 'ocr-vlm' },
    }));
    // A scanned paper already in the main node's store, as the extractor leaves one.
    const mainDir = lab.nodes.main.dataDir;
    const seed = openDatabase(sqlitePath(mainDir));
    try {
      const store = new PaperStore(seed);
      store.upsertVersion({ id: '2402.00010', version: 1, title: 'A scanned paper', abstract: 'An abstract.', authors: [{ name: 'Ada Example', affiliations: [] }], categories: ['cs.LG'], source: 'arxiv-api' });
      const { sha256 } = await new BlobStore(mainDir).put(writePdf([scannedPage(['first page quokka']), scannedPage(['second page wombat'])]));
      store.setPdf('2402.00010', { status: 'stored', sha256 });
      store.setBody('2402.00010', null, 'needs_ocr');
      // Paused until main sees the gpu node up: a page asked for before the link is up is read here
      // (as it should be), and on a loaded machine main's scheduler can get there first.
      new OfflineStore(seed).setPaused('ocr', true);
    } finally {
      seed.close();
    }
    const admin = apiKey(mainDir, ['admin']);
    const main = lab.start('main', lab.env('main', { peers: ['gpu'], extra: { PAPERD_LINK_OCR_NODE: 'gpu', PAPERD_OFFLINE_TICK_MS: '100' } }));
    const url = await main.url;
    await until('main to see gpu up', async () => ((await nodesOf(url)).find((n) => n.name === 'gpu')?.state === 'up' ? true : undefined), 60_000);
    expect((await postJobs(url, admin, 'resume', { class: 'ocr' })).status).to.equal(200);
    const scrape = async () => (await fetch(`${url}/metrics`)).text();
    await until('both pages read on the gpu node', async () => (metric(await scrape(), 'paperd_link_ocr_pages_total', { where: 'remote' }) === 2 ? true : undefined), 120_000);
    const read = openDatabase(sqlitePath(mainDir));
    try {
      const row = await until('the paper committed', async () => {
        const r = read.prepare('SELECT text_status, body FROM papers WHERE id = ?').get('2402.00010') as { text_status: string; body: string };
        return r.text_status === 'extracted' ? r : undefined;
      }, 30_000);
      expect(row.body.match(/gpu transcript \d+ zebra/g)).to.have.length(2);
      expect(row.body).not.to.match(/quokka|wombat/i);
    } finally {
      read.close();
    }
    const metrics = await scrape();
    expect(metric(metrics, 'paperd_link_ocr_pages_total', { where: 'local' })).to.equal(0);
    expect(transcripts).to.equal(2);
  });
});
