import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of a (fake) vLLM that fails a fraction of the API requests the way vLLM
 * does (500 `{object:'error',…}`), forwarding the rest byte for byte. Health probes (`/health`)
 * always pass: the endpoint is up and flaky, not down. `random` decides, for repeatable runs.
 */
export async function startFlakyLlmProxy(upstream: string, failRate: number, random: () => number): Promise<{ baseUrl: string; counts: { forwarded: number; failed: number }; close(): Promise<void> }> {
  const target = new URL(upstream);
  const counts = { forwarded: 0, failed: 0 };
  const server: Server = createServer((req, res) => {
    const api = (req.url ?? '').startsWith('/v1/') && req.method === 'POST';
    if (api && random() < failRate) {
      counts.failed++;
      req.resume();
      const body = JSON.stringify({ object: 'error', message: 'injected failure (soak: 10% of requests)', type: 'InternalServerError', param: null, code: 500 });
      return void res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    }
    counts.forwarded++;
    const out = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    counts,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
