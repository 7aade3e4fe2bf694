import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the kernel picks ports for `listen(0)` and outgoing connections (Linux's default if unreadable). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // Not Linux: the default range below.
  }
  return [32768, 60999];
}

const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((res) => {
    const server = createServer();
    server.once('error', () => res(false));
    server.listen(port, '127.0.0.1', () => server.close(() => res(true)));
  });
}

/**
 * A loopback TCP port nothing listens on now, for a node's API or link socket that a test binds
 * later. It comes from below the kernel's ephemeral range: a port the kernel handed out and took
 * back could be given again, in the meantime, as the source port of any outgoing connection on
 * the machine, and the later bind would fail (CI saw `Address already in use` that way).
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = Math.min(20_000, ephemeralLow - 1_000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low));
    if (handedOut.has(port)) continue;
    if (await bindable(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port found in ${low}–${ephemeralLow - 1}`);
}
