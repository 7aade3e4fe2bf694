import { expect } from 'chai';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import * as zmq from 'zeromq';
import { LinkMessageTooLargeError, LinkPeerDownError, LinkRemoteError } from '../src/errors.js';
import { LinkConfigSchema, type LinkConfig } from '../src/link/config.js';
import { LinkNode } from '../src/link/link-node.js';
import { askRemote, tellRemote, type RemoteRef } from '../src/link/remote-ref.js';
import type { LinkProtocol } from '../src/protocols/link.js';
import { messageSchema } from '../src/protocols/message.js';
import { systemClock } from '../src/runtime/clock.js';
import { silentLogger } from '../src/runtime/logger.js';
import { ActorSystem } from '../src/supervisors/index.js';
import { freePort } from './support/link-lab.js';
import { until } from './support/until.js';

const Add = messageSchema('add', { n: Type.Integer() });
const Total = messageSchema('total', {});
type CounterMessage = { type: 'add'; n: number } | { type: 'total' };
type CounterReplies = { total: number };
const CounterProtocol: LinkProtocol<CounterMessage, CounterReplies> = { name: 'counter', messages: Type.Union([Add, Total]), replies: { total: Type.Integer({ minimum: 0 }) } };
/** The same actor as a client that expects a string back: the link must refuse the number it gets. */
const LyingProtocol: LinkProtocol<CounterMessage, { total: string }> = { name: 'counter', messages: Type.Union([Add, Total]), replies: { total: Type.String() } };

const Note = messageSchema('note', { text: Type.String() });
const Notes = messageSchema('notes', {});
const NotesWhole = messageSchema('notes-whole', {});
type NoteMessage = { type: 'note'; text: string } | { type: 'notes' } | { type: 'notes-whole' };
/** `notes`: each note's first four characters and length; `notes-whole`: the notes themselves. */
type NoteReplies = { notes: string[]; 'notes-whole': string[] };
const NoteProtocol: LinkProtocol<NoteMessage, NoteReplies> = {
  name: 'notes', messages: Type.Union([Note, Notes, NotesWhole]), replies: { notes: Type.Array(Type.String()), 'notes-whole': Type.Array(Type.String()) },
};

/** The compile-time half: `npm test`'s type check fails if a marked line ever compiles. */
function typeChecks(ref: RemoteRef<CounterMessage, CounterReplies>): void {
  tellRemote(ref, { type: 'add', n: 1 });
  // @ts-expect-error a message the remote actor does not take
  tellRemote(ref, { type: 'sub', n: 1 });
  // @ts-expect-error a known type with a missing field
  tellRemote(ref, { type: 'add' });
  const total: Promise<number> = askRemote(ref, { type: 'total' }, 10);
  // @ts-expect-error the reply of `total` is a number
  const wrong: Promise<string> = askRemote(ref, { type: 'total' }, 10);
  // @ts-expect-error `add` has no reply, so it cannot be asked
  void askRemote(ref, { type: 'add', n: 1 }, 10);
  void total;
  void wrong;
}

describe('remote refs over real ZeroMQ sockets (two link nodes in one process)', function () {
  this.timeout(30_000);
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function pair(limits: { maxMessageBytes?: number } = {}) {
    const keys = { a: zmq.curveKeyPair(), b: zmq.curveKeyPair() };
    const ports = { a: await freePort(), b: await freePort() };
    const config = (self: 'a' | 'b', peer: 'a' | 'b') => Value.Default(LinkConfigSchema, {
      bind: `tcp://127.0.0.1:${ports[self]}`, heartbeatMs: 100, suspectAfterMs: 300, downAfterMs: 600, retransmitMs: 300, ...limits,
      peers: [{ name: peer, address: `tcp://127.0.0.1:${ports[peer]}`, publicKey: keys[peer].publicKey }],
    }) as LinkConfig;
    const a = new LinkNode({ self: 'a', keys: keys.a, config: config('a', 'b'), clock: systemClock(), log: silentLogger() });
    const b = new LinkNode({ self: 'b', keys: keys.b, config: config('b', 'a'), clock: systemClock(), log: silentLogger() });
    const system = new ActorSystem();
    const counter = system.worker<CounterMessage, number, CounterReplies>('counter', {
      init: () => 0,
      receive(state, msg, ctx) {
        if (msg.type === 'add') return state + msg.n;
        ctx.reply(state);
        return state;
      },
    });
    const notes = system.worker<NoteMessage, string[], NoteReplies>('notes', {
      init: () => [],
      receive(state, msg, ctx) {
        if (msg.type === 'note') return [...state, msg.text];
        ctx.reply(msg.type === 'notes' ? state.map((t) => `${t.slice(0, 4)}…${t.length}`) : state);
        return state;
      },
    });
    await system.start(system.supervisor('root', [counter, notes]), () => {});
    b.export('counter', CounterProtocol, counter.ref);
    b.export('notes', NoteProtocol, notes.ref);
    await a.listen();
    await b.listen();
    a.connect('b');
    b.connect('a');
    const ticker = setInterval(() => {
      a.sessions.get('b')!.tick();
      b.sessions.get('a')!.tick();
    }, 100);
    closers.push(async () => {
      clearInterval(ticker);
      await a.close();
      await b.close();
      await system.shutdown();
    });
    await until('a to hear b', async () => (a.sessions.get('b')!.state === 'up' ? true : undefined), 10_000);
    return { a, b };
  }

  it('tells and asks an actor on another node as if it were local: every tell lands once, before the ask sent after them', async () => {
    const { a } = await pair();
    void typeChecks;
    const ref = a.remote('b', 'counter', CounterProtocol);
    for (let n = 1; n <= 100; n++) tellRemote(ref, { type: 'add', n });
    expect(await askRemote(ref, { type: 'total' }, 5_000)).to.equal(5050);
    expect(a.sessions.get('b')!.depth().asks).to.equal(0);
  });

  it('rejects a reply its protocol does not allow, and an ask to an actor that is not exported', async () => {
    const { a } = await pair();
    const lying = a.remote('b', 'counter', LyingProtocol);
    const refused = await askRemote(lying, { type: 'total' }, 5_000).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(LinkRemoteError);
    expect((refused as LinkRemoteError).remoteCode).to.equal('PAPERD_LINK_BAD_REPLY');
    const nobody = await askRemote(a.remote('b', 'nobody', CounterProtocol), { type: 'total' }, 5_000).catch((e: unknown) => e);
    expect(nobody).to.be.instanceOf(LinkRemoteError);
    expect((nobody as LinkRemoteError).remoteCode).to.equal('PAPERD_LINK_NO_ACTOR');
  });

  it('sends messages near half the size limit each in a ZeroMQ message of its own, none dropped as oversized', async () => {
    const maxMessageBytes = 16_384;
    const { a, b } = await pair({ maxMessageBytes });
    const ref = a.remote('b', 'notes', NoteProtocol);
    // Just under half the limit, then just over: the two in one batch would be over the limit (the
    // receiver drops such a message, and libzmq closes the connection).
    const texts = Array.from({ length: 6 }, (_, i) => `${i}:${'x'.repeat(i % 2 === 0 ? maxMessageBytes / 2 - 400 : maxMessageBytes / 2 + 100)}`);
    for (const text of texts) tellRemote(ref, { type: 'note', text });
    // The notes themselves would not fit in one reply: their lengths and first characters come back.
    const got = await askRemote(ref, { type: 'notes' }, 10_000);
    expect(got).to.deep.equal(texts.map((t) => `${t.slice(0, 4)}…${t.length}`));
    expect(b.stats.totalDropped()).to.equal(0);
    expect(a.stats.retransmits.get('b') ?? 0).to.equal(0);
  });

  it('refuses a message over the size limit with a clear error, and answers an ask whose reply is too large with that error; the link goes on', async () => {
    const maxMessageBytes = 16_384;
    const { a } = await pair({ maxMessageBytes });
    const ref = a.remote('b', 'notes', NoteProtocol);
    expect(() => tellRemote(ref, { type: 'note', text: 'y'.repeat(maxMessageBytes) })).to.throw(LinkMessageTooLargeError, /over link.maxMessageBytes/);
    for (let i = 0; i < 3; i++) tellRemote(ref, { type: 'note', text: `${i}:${'z'.repeat(6_000)}` });
    // Three notes of 6 kB: the whole list (18 kB) would be over the limit.
    const whole = await askRemote(ref, { type: 'notes-whole' }, 5_000).catch((e: unknown) => e);
    expect(whole).to.be.instanceOf(LinkRemoteError);
    expect((whole as LinkRemoteError).remoteCode).to.equal('PAPERD_LINK_TOO_LARGE');
    // The connection is unharmed: the next ask is answered.
    expect(await askRemote(ref, { type: 'notes' }, 5_000)).to.deep.equal(['0:zz…6002', '1:zz…6002', '2:zz…6002']);
    expect(a.sessions.get('b')!.depth()).to.deep.equal({ outbox: 0, asks: 0 });
  });

  it('fails an ask at once when the peer has gone quiet', async () => {
    const { a, b } = await pair();
    await b.close();
    await until('a to mark b down', async () => (a.sessions.get('b')!.state === 'down' ? true : undefined), 10_000);
    const error = await askRemote(a.remote('b', 'counter', CounterProtocol), { type: 'total' }, 60_000).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(LinkPeerDownError);
  });
});
