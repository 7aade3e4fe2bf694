import { expect } from 'chai';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import * as zmq from 'zeromq';
import { LinkConfigSchema, type LinkConfig } from '../src/link/config.js';
import { LinkNode } from '../src/link/link-node.js';
import { askRemote } from '../src/link/remote-ref.js';
import { InspectionProtocol } from '../src/protocols/link-inspection.js';
import { silentLogger } from '../src/runtime/logger.js';
import { systemClock } from '../src/runtime/clock.js';
import { LinkLab, metric } from './support/link-lab.js';
import { until } from './support/until.js';

const MAX = 65_536;

/** A plain TCP client that writes `bytes` at the link port, waits a moment, and hangs up. */
function rawBytes(port: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    socket.on('connect', () => socket.write(bytes, () => setTimeout(() => socket.destroy(), 500)));
  });
}

describe('link against strangers and bad frames (a real main node)', function () {
  this.timeout(90_000);
  let lab: LinkLab;
  const sockets: zmq.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await lab.close();
  });

  it('drops garbage, strangers and bad frames, counts each, and still answers its peers', async () => {
    lab = await LinkLab.create();
    // The test process plays mac: main trusts mac's key, and nothing else.
    const main = lab.start('main', lab.env('main', { peers: ['mac'], extra: { PAPERD_LINK_MAX_MESSAGE_BYTES: String(MAX) } }));
    const url = await main.url;
    const scrape = async () => (await fetch(`${url}/metrics`)).text();
    const port = lab.nodes.main.port;

    // 1. Bytes that are not ZMTP at all, then a 20 MB flood: no handshake, nothing delivered, the node still serves.
    // (libzmq hangs up on most garbage at once; some greetings it waits on, idle, until the sender leaves.)
    await rawBytes(port, randomBytes(4096));
    await rawBytes(port, Buffer.alloc(20 * 1_048_576, 0xff));
    expect((await fetch(`${url}/health`)).status).to.equal(200);
    expect(metric(await scrape(), 'paperd_link_received_total', { peer: 'mac' })).to.equal(0);

    // 2. A stranger with a key of its own: refused by ZAP, nothing it sends arrives.
    const strangerKeys = zmq.curveKeyPair();
    const stranger = new zmq.Dealer({ routingId: 'mac', curveServerKey: lab.nodes.main.keys.publicKey, curvePublicKey: strangerKeys.publicKey, curveSecretKey: strangerKeys.secretKey, linger: 0, sendTimeout: 0 });
    sockets.push(stranger);
    stranger.connect(lab.address('main'));
    for (let i = 0; i < 20; i++) await stranger.send(['1', '{}', randomBytes(1024)]).catch(() => undefined);
    await until('ZAP to refuse the stranger', async () => (metric(await scrape(), 'paperd_link_refused_total', { why: 'zap' }) > 0 ? true : undefined));
    stranger.close();

    // 3. A peer with the right key that sends bad frames: each is dropped and counted by reason.
    const mac = lab.nodes.mac.keys;
    const peer = new zmq.Dealer({ routingId: 'mac', curveServerKey: lab.nodes.main.keys.publicKey, curvePublicKey: mac.publicKey, curveSecretKey: mac.secretKey, linger: 0 });
    sockets.push(peer);
    peer.connect(lab.address('main'));
    const env = (over: Record<string, unknown> = {}) => JSON.stringify({ v: 1, msgId: `x.${Math.random()}`, from: 'mac', to: 'main/inspector', type: 'actors.tree', sentAt: Date.now(), ask: true, ...over });
    const bad: [string, (string | Buffer)[]][] = [
      ['frames', ['1', env()]],
      ['version', ['9', env(), '{"type":"actors.tree"}']],
      ['envelope', ['1', '{"v":1,', '{}']],
      ['envelope', ['1', env({ sentAt: 'noon' }), '{}']],
      ['sender', ['1', env({ from: 'gpu' }), '{"type":"actors.tree"}']],
      ['recipient', ['1', env({ to: 'gpu/inspector' }), '{"type":"actors.tree"}']],
      ['recipient', ['1', env({ to: 'main/nobody' }), '{"type":"actors.tree"}']],
      ['body', ['1', env(), 'not json']],
      ['body', ['1', env(), '{"type":"actors.tree","extra":true}']],
      ['body', ['1', env({ type: 'link.ack', to: 'main', ask: false }), '{"ids":"all"}']],
      // Three frames under libzmq's per-frame limit that are over the link's limit together.
      ['oversized', ['1', env(), Buffer.alloc(MAX - 100, 0x20)]],
    ];
    for (const [, frames] of bad) await peer.send(frames);
    const expected = new Map<string, number>();
    for (const [reason] of bad) expected.set(reason, (expected.get(reason) ?? 0) + 1);
    await until('every bad frame to be counted', async () => {
      const m = await scrape();
      return [...expected].every(([reason, n]) => metric(m, 'paperd_link_dropped_total', { peer: 'mac', reason }) === n) ? true : undefined;
    });
    // One frame over libzmq's limit: the connection is closed under it (and the peer reconnects).
    await peer.send(['1', env(), Buffer.alloc(MAX * 2, 0x20)]);
    peer.close();

    // 4. The node is unharmed: healthy, and a real peer's ask is answered over the link.
    expect((await fetch(`${url}/health`)).status).to.equal(200);
    const config = Value.Default(LinkConfigSchema, {
      bind: `tcp://127.0.0.1:${lab.nodes.mac.port}`, heartbeatMs: 200, suspectAfterMs: 600, downAfterMs: 1200, retransmitMs: 400,
      peers: [{ name: 'main', address: lab.address('main'), publicKey: lab.nodes.main.keys.publicKey }],
    }) as LinkConfig;
    const link = new LinkNode({ self: 'mac', keys: mac, config, clock: systemClock(), log: silentLogger() });
    try {
      await link.listen();
      link.connect('main');
      const session = link.sessions.get('main')!;
      await until('main to be heard', async () => {
        session.tick();
        return session.state === 'up' ? true : undefined;
      });
      const reply = await askRemote(link.remote('main', 'inspector', InspectionProtocol), { type: 'actors.tree' }, 5_000);
      expect(reply.node).to.equal('main');
      expect(reply.tree.map((n) => n.path)).to.deep.equal(['root']);
    } finally {
      await link.close();
    }
    const m = await scrape();
    expect(metric(m, 'paperd_link_received_total', { peer: 'mac' })).to.be.greaterThan(0);
    expect(main.child.exitCode).to.equal(null);
  });
});
