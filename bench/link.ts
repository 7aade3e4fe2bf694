/**
 * Pipelined request/reply per second across the link (typed asks: envelope, schema checks on both
 * sides, acks, dedup, CURVE) vs raw zeromq DEALER/ROUTER with CURVE carrying the same JSON bodies,
 * measured in the same run, alternating rounds; prints both rates and their ratio (goal ≥ 0.5).
 * Both ends run in this process on loopback, each with its own ZeroMQ context, for both variants.
 * Run: npm run bench:link [-- --requests 50000 --window 1000 --rounds 3]
 * Profile one side alone: node --cpu-prof --import tsx bench/link.ts --only link
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { loadavg } from 'node:os';
import * as zmq from 'zeromq';
import { LinkConfigSchema, type LinkConfig } from '../src/link/config.js';
import { LinkNode } from '../src/link/link-node.js';
import { askRemote } from '../src/link/remote-ref.js';
import type { LinkProtocol } from '../src/protocols/link.js';
import { messageSchema } from '../src/protocols/message.js';
import { systemClock } from '../src/runtime/clock.js';
import { silentLogger } from '../src/runtime/logger.js';
import { ActorSystem } from '../src/supervisors/index.js';
import { freePort } from '../test/support/free-port.js';
import { numberOption, stringOption } from './support/bench-args.js';

const requests = numberOption('requests', 50_000);
const windowSize = numberOption('window', 1_000);
const rounds = numberOption('rounds', 3);
const text = 'x'.repeat(100);
const only = stringOption('only');

const Echo = messageSchema('echo', { n: Type.Integer(), text: Type.String() });
type Echo = { type: 'echo'; n: number; text: string };
type EchoReplies = { echo: Echo };
const EchoProtocol: LinkProtocol<Echo, EchoReplies> = { name: 'echo', messages: Type.Union([Echo]), replies: { echo: Echo } };

/** Keeps `windowSize` requests in flight until `requests` have been answered; returns requests per second. */
async function pipelined(send: (n: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = process.hrtime.bigint();
  const lane = async () => {
    while (next < requests) await send(next++);
  };
  await Promise.all(Array.from({ length: windowSize }, lane));
  return requests / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function raw(): Promise<number> {
  const server = zmq.curveKeyPair();
  const client = zmq.curveKeyPair();
  const port = await freePort();
  const router = new zmq.Router({ context: new zmq.Context(), curveServer: true, curvePublicKey: server.publicKey, curveSecretKey: server.secretKey, mandatory: true, sendHighWaterMark: 100_000, receiveHighWaterMark: 100_000, linger: 0 });
  await router.bind(`tcp://127.0.0.1:${port}`);
  const dealer = new zmq.Dealer({ context: new zmq.Context(), routingId: 'a', curveServerKey: server.publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey, sendHighWaterMark: 100_000, receiveHighWaterMark: 100_000, sendTimeout: 0, linger: 0 });
  dealer.connect(`tcp://127.0.0.1:${port}`);
  const echoing = (async () => {
    for await (const [id, body] of router) {
      const msg = JSON.parse(body!.toString()) as Echo;
      await router.send([id!, JSON.stringify(msg)]);
    }
  })();
  const waiting = new Map<number, () => void>();
  const reading = (async () => {
    for await (const [body] of dealer) {
      const msg = JSON.parse(body!.toString()) as Echo;
      waiting.get(msg.n)?.();
      waiting.delete(msg.n);
    }
  })();
  const rate = await pipelined((n) => new Promise<void>((resolve) => {
    waiting.set(n, resolve);
    void dealer.send(JSON.stringify({ type: 'echo', n, text }));
  }));
  dealer.close();
  router.close();
  await Promise.all([echoing.catch(() => undefined), reading.catch(() => undefined)]);
  return rate;
}

async function linked(): Promise<number> {
  const keys = { a: zmq.curveKeyPair(), b: zmq.curveKeyPair() };
  const ports = { a: await freePort(), b: await freePort() };
  const config = (self: 'a' | 'b', peer: 'a' | 'b') => Value.Default(LinkConfigSchema, {
    bind: `tcp://127.0.0.1:${ports[self]}`, heartbeatMs: 200, peers: [{ name: peer, address: `tcp://127.0.0.1:${ports[peer]}`, publicKey: keys[peer].publicKey }],
  }) as LinkConfig;
  const clock = systemClock();
  const a = new LinkNode({ self: 'a', keys: keys.a, config: config('a', 'b'), clock, log: silentLogger() });
  const b = new LinkNode({ self: 'b', keys: keys.b, config: config('b', 'a'), clock, log: silentLogger() });
  const system = new ActorSystem();
  const echo = system.worker<Echo, null, EchoReplies>('echo', { init: () => null, receive: (s, msg, ctx) => (ctx.reply(msg), s) });
  await system.start(system.supervisor('root', [echo]), () => {});
  b.export('echo', EchoProtocol, echo.ref);
  await Promise.all([a.listen(), b.listen()]);
  a.connect('b');
  b.connect('a');
  const session = a.sessions.get('b')!;
  while (session.state !== 'up') {
    a.sessions.get('b')!.tick();
    b.sessions.get('a')!.tick();
    await new Promise((r) => setTimeout(r, 20));
  }
  const ticker = setInterval(() => {
    a.sessions.get('b')!.tick();
    b.sessions.get('a')!.tick();
  }, 200);
  const ref = a.remote('b', 'echo', EchoProtocol);
  const rate = await pipelined(async (n) => {
    const reply = await askRemote(ref, { type: 'echo', n, text }, 60_000);
    if (reply.n !== n) throw new Error(`reply ${reply.n} to request ${n}`);
  });
  clearInterval(ticker);
  const retransmitted = a.stats.retransmits.get('b') ?? 0;
  if (retransmitted > 0) console.log(`(${retransmitted} retransmissions: replies took longer than link.retransmitMs)`);
  await a.close();
  await b.close();
  await system.shutdown();
  return rate;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
// Two cores shared with others: the load says how far to trust the figures.
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`load average at start: ${load()}`);
const rawRates: number[] = [];
const linkRates: number[] = [];
for (let r = 0; r < rounds; r++) {
  rawRates.push(only === 'link' ? NaN : await raw());
  linkRates.push(only === 'raw' ? NaN : await linked());
  console.log(`round ${r + 1}: raw ${Math.round(rawRates.at(-1)!)} req/s, link ${Math.round(linkRates.at(-1)!)} req/s`);
}
const rawRate = median(rawRates);
const linkRate = median(linkRates);
console.log(`load average at end: ${load()}`);
// A request/reply is two messages, one each way.
console.log(`raw zeromq DEALER/ROUTER + CURVE: ${Math.round(rawRate)} req/s, ${Math.round(2 * rawRate)} msgs/s (median of ${rounds}, ${requests} requests, ${windowSize} in flight)`);
console.log(`paperd link (typed ask, acks, dedup, CURVE): ${Math.round(linkRate)} req/s, ${Math.round(2 * linkRate)} msgs/s`);
console.log(`ratio link/raw: ${(linkRate / rawRate).toFixed(2)} (goal >= 0.5)`);
process.exit(0);
