import { expect } from 'chai';
import { batchFrames, decodeFrames, decodeMessages, encodeFrames as encodeOut, type DropReason } from '../src/link/frame-codec.js';
import { z85Encode } from '../src/link/z85.js';
import type { LinkEnvelope } from '../src/protocols/link.js';
import * as zmq from 'zeromq';

/** The frames as the receiving socket sees them: Buffers. */
const encodeFrames = (...args: Parameters<typeof encodeOut>): Buffer[] => encodeOut(...args).map((f) => Buffer.from(f));
const envelope = (over: Partial<LinkEnvelope> = {}): LinkEnvelope => ({ v: 1, msgId: 'boot.1', from: 'gpu', to: 'main/inference', type: 'llm.probe', sentAt: 1, ...over });
const read = (frames: Buffer[], routingId = 'gpu') => decodeFrames(frames, { routingId, self: 'main', maxBytes: 4096 });
const reason = (frames: Buffer[], routingId?: string): DropReason | 'ok' => {
  const d = read(frames, routingId);
  return d.ok ? 'ok' : d.reason;
};

describe('link frames', () => {
  it('round-trips an envelope and body through the three frames', () => {
    const d = read(encodeFrames(envelope({ corrId: 'x.1', deadline: 99, ask: true }), { type: 'llm.probe', role: 'chat' }));
    expect(d.ok).to.equal(true);
    if (!d.ok) return;
    expect(d.envelope).to.deep.equal(envelope({ corrId: 'x.1', deadline: 99, ask: true }));
    expect(d.body).to.deep.equal({ type: 'llm.probe', role: 'chat' });
  });

  it('drops each kind of bad frame with a reason that names it', () => {
    const [v, e, b] = encodeFrames(envelope(), {});
    const cases: [Buffer[], DropReason][] = [
      [[v!, e!], 'frames'],
      [[v!, e!, b!, b!], 'frames'],
      [[Buffer.from('2'), e!, b!], 'version'],
      [[v!, Buffer.from('{not json'), b!], 'envelope'],
      [[v!, Buffer.from(JSON.stringify({ ...envelope(), extra: 1 })), b!], 'envelope'],
      [[v!, Buffer.from(JSON.stringify({ ...envelope(), sentAt: 'yesterday' })), b!], 'envelope'],
      [[v!, Buffer.from(JSON.stringify(envelope({ from: 'mac' }))), b!], 'sender'],
      [[v!, Buffer.from(JSON.stringify(envelope({ to: 'gpu/inference' }))), b!], 'recipient'],
      [[v!, e!, Buffer.from('\u0000\u0001garbage')], 'body'],
      [[v!, Buffer.from(JSON.stringify(envelope({ type: 'link.ack', to: 'main' }))), Buffer.from('{"ids":[]}')], 'body'],
      [[v!, e!, Buffer.alloc(5000, 'x')], 'oversized'],
    ];
    for (const [frames, expected] of cases) expect(reason(frames), `${expected}: ${frames.map((f) => f.toString().slice(0, 40)).join(' | ')}`).to.equal(expected);
  });

  it('reads a batch as its messages, drops a bad one alone, and drops a batch whose arrays do not match', () => {
    const good = (n: number) => encodeOut(envelope({ msgId: `boot.${n}` }), { type: 'llm.probe', role: 'chat' });
    const bad = JSON.stringify({ ...envelope(), from: 'mac' });
    const batch = batchFrames([good(1)[1], bad, good(2)[1]], [good(1)[2], good(1)[2], good(2)[2]]).map((f) => Buffer.from(f));
    const read3 = decodeMessages(batch, { routingId: 'gpu', self: 'main', maxBytes: 4096 });
    expect(read3.map((d) => (d.ok ? d.envelope.msgId : d.reason))).to.deep.equal(['boot.1', 'sender', 'boot.2']);
    // One message is sent as its plain three frames, not as a batch of one.
    expect(String(batchFrames([good(1)[1]], [good(1)[2]])[1])).to.equal(good(1)[1]);
    const uneven = [Buffer.from('1'), Buffer.from(`[${good(1)[1]},${good(2)[1]}]`), Buffer.from(`[${good(1)[2]}]`)];
    expect(decodeMessages(uneven, { routingId: 'gpu', self: 'main', maxBytes: 4096 }).map((d) => (d.ok ? 'ok' : d.reason))).to.deep.equal(['frames']);
  });

  it('encodes CURVE keys in Z85 as ZeroMQ does', () => {
    // The test vector of ZeroMQ RFC 32.
    expect(z85Encode(Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).to.equal('HelloWorld');
    const pair = zmq.curveKeyPair();
    expect(pair.publicKey).to.have.length(40);
    expect(() => z85Encode(Uint8Array.from([1, 2, 3]))).to.throw(/multiple of 4/);
  });
});
