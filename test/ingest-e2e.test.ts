import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase, sqlitePath } from '../src/storage/sqlite/database.js';
import { checkDataDir } from '../src/cli/commands/check.js';
import { VectorStore } from '../src/storage/lancedb/vector-store.js';
import { lancedbPath } from '../src/storage/store.js';
import { apiPage, listingFeed } from './support/arxiv-feeds.js';
import { apiKey, spawnNode, tempDataDir, withKey } from './support/node-process.js';
import { requireShared, sharedPath } from './support/shared.js';

/** A local arXiv: one announcement's listing, two API pages, and the real PDF under every PDF URL but one, which is HTML. */
async function startArxiv(pdf: Buffer): Promise<{ base: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const api: Record<string, string> = {
    '0': apiPage(0, 4, [
      ['2402.01001v1', '2024-02-02T10:00:00Z'],
      ['2402.01002v2', '2024-02-02T09:00:00Z'],
      ['2402.01003v1', '2024-02-01T10:00:00Z'],
      ['2401.00001v1', '2024-01-20T10:00:00Z'],
    ]),
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname);
    if (url.pathname.startsWith('/atom/')) {
      res.writeHead(200, { 'content-type': 'application/atom+xml' });
      return res.end(listingFeed('2024-02-05T05:00:00Z', [['2402.01001v1', 'new'], ['2402.01002v2', 'replace'], ['2402.01003v1', 'new']]));
    }
    if (url.pathname === '/api/query' && api[url.searchParams.get('start') ?? ''] !== undefined) {
      res.writeHead(200, { 'content-type': 'application/atom+xml' });
      return res.end(api[url.searchParams.get('start')!]);
    }
    if (url.pathname === '/pdf/2402.01003v1') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end('<html>captcha</html>');
    }
    if (url.pathname.startsWith('/pdf/')) {
      res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(pdf.length) });
      return res.end(pdf);
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests };
}

describe('ingestion end to end: a poll of arXiv through every stage of a running node', function () {
  this.timeout(120_000);

  it('polls the announcement, indexes each paper, downloads and reads the PDFs, syncs vectors, and records what failed', async function () {
    requireShared(this);
    const arxiv = await startArxiv(readFileSync(sharedPath('fixtures', 'pdf', '1111.2011v2.pdf')));
    const dataDir = tempDataDir();
    const writer = apiKey(dataDir, ['write']);
    const node = spawnNode({
      dataDir,
      env: {
        PAPERD_ARXIV_POLL: 'true',
        PAPERD_ARXIV_INTERVAL_MS: '0',
        PAPERD_ARXIV_API_BASE_URL: `${arxiv.base}/api/query`,
        PAPERD_ARXIV_LISTING_BASE_URL: `${arxiv.base}/atom`,
        PAPERD_ARXIV_PDF_BASE_URL: `${arxiv.base}/pdf`,
        PAPERD_PIPELINE_IDLE_MS: '50',
      },
    });
    try {
      const url = await node.url;
      const poll = await fetch(`${url}/v1/sources/arxiv/poll`, { method: 'POST', headers: withKey(writer, false) });
      const report = (await poll.json()) as { outcome: string; accepted: number };
      // The poll on start may have ingested the announcement already; either way it is in.
      expect(["ingested", "unchanged"], JSON.stringify(report)).to.include(report.outcome);
      let rows: { id: string; version: number; pdf_status: string; text_status: string; body: string | null; pdf_error: string | null; doi: string | null }[] = [];
      for (let i = 0; i < 400; i++) {
        const db = openDatabase(sqlitePath(dataDir), { readonly: true });
        rows = db.prepare('SELECT id, version, pdf_status, text_status, body, pdf_error, doi FROM papers ORDER BY id').all() as typeof rows;
        const pending = (db.prepare(`SELECT count(*) AS n FROM jobs WHERE state IN ('queued', 'leased')`).get() as { n: number }).n;
        const lag = (db.prepare(`SELECT (SELECT max(seq) FROM outbox) - min(CAST(value AS INTEGER)) AS n FROM sync_state WHERE key LIKE 'outbox.cursor.%'`).get() as { n: number | null }).n ?? 0;
        db.close();
        if (rows.length === 3 && pending === 0 && rows.every((r) => r.pdf_status !== 'pending') && lag === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // 2401.00001 was updated before the announcement's window: paging stops there.
      expect(rows.map((r) => `${r.id}v${r.version}`)).to.deep.equal(['2402.01001v1', '2402.01002v2', '2402.01003v1']);
      const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
      expect(byId['2402.01001']).to.include({ pdf_status: 'stored', text_status: 'extracted' });
      expect(byId['2402.01001']!.body).to.contain('Bethe Lattice');
      expect(byId['2402.01003']).to.include({ pdf_status: 'failed' });
      expect(byId['2402.01003']!.pdf_error).to.match(/NotAPdfError/);
      expect(arxiv.requests.filter((p) => p === '/pdf/2402.01003v1')).to.have.length(1);
      // The extracted text is cut into chunks, and each chunk has its vector in LanceDB's `chunks` table.
      const db = openDatabase(sqlitePath(dataDir), { readonly: true });
      const chunkIds = (db.prepare('SELECT paper_id, idx FROM paper_chunks ORDER BY paper_id, idx').all() as { paper_id: string; idx: number }[]).map((c) => `${c.paper_id}#${c.idx}`);
      db.close();
      expect(chunkIds.length).to.be.greaterThan(10);
      expect(new Set(chunkIds.map((c) => c.split('#')[0]))).to.deep.equal(new Set(['2402.01001', '2402.01002']));
      const chunkVectors = await VectorStore.open(lancedbPath(dataDir), 256, { table: 'chunks' });
      expect((await chunkVectors.ids()).sort()).to.deep.equal([...chunkIds].sort());
      chunkVectors.close();
      const check = await checkDataDir(dataDir);
      expect(check).to.deep.include({ ok: true, papers: 3, fts: 3, vectors: 3, duplicates: 0, stuck_jobs: 0 });
    } finally {
      node.child.kill('SIGKILL');
      arxiv.server.close();
    }
  });
});
