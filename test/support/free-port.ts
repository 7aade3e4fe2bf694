import { createServer } from 'node:net';

/** A loopback TCP port nothing listens on now (taken, then let go): for a node's API or link socket. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
