import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What an alert webhook receiver got: each request's headers and parsed JSON body. */
export interface ReceivedDelivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
}

/**
 * A real HTTP server on loopback that takes alert webhook deliveries. `answers` gives the status
 * of each request in turn (then 200 for the rest), so a test can make it fail first.
 */
export async function startAlertReceiver(answers: number[] = []): Promise<{ url: string; received: ReceivedDelivery[]; requests: () => number; close(): Promise<void> }> {
  const received: ReceivedDelivery[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      requests++;
      const status = answers.shift() ?? 200;
      if (status === 200) received.push({ headers: req.headers, body: JSON.parse(text) });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/alerts`,
    received,
    requests: () => requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
