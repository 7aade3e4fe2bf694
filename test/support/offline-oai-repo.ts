import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listPage, rawRecord } from './oai-pages.js';

/**
 * A local OAI-PMH repository with `pages` pages of `perPage` arXivRaw records (ids 2402.NNNNN),
 * each answered after `delayMs`. It records every request, which ones it answered in full and
 * which the client gave up on, so a test can tell a page served twice from a request aborted.
 */
export async function startOaiRepository(options: { pages: number; perPage: number; delayMs: number }) {
  const { pages, perPage, delayMs } = options;
  const total = pages * perPage;
  const state = { requests: [] as string[], completed: [] as string[], aborted: [] as string[] };
  const idOf = (n: number) => `2402.${String(n + 1).padStart(5, '0')}`;
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const token = query.get('resumptionToken');
    const page = token === null ? 0 : Number(token.slice(1));
    const key = token ?? 'first';
    state.requests.push(key);
    const timer = setTimeout(() => {
      const records = Array.from({ length: perPage }, (_, i) => rawRecord(idOf(page * perPage + i), '2024-02-02'));
      const next = page + 1 < pages ? { value: `p${page + 1}`, cursor: (page + 1) * perPage } : undefined;
      const body = listPage(records, next).replace(/completeListSize="6"/, `completeListSize="${total}"`);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(body, () => state.completed.push(key));
    }, delayMs);
    res.on('close', () => {
      if (!res.writableEnded) {
        clearTimeout(timer);
        state.aborted.push(key);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oai`,
    state,
    total,
    ids: Array.from({ length: total }, (_, i) => idOf(i)),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
