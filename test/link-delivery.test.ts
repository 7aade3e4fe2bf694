import { expect } from 'chai';
import { LinkAskTimeoutError, LinkBackpressureError, LinkPeerDownError } from '../src/errors.js';
import { SessionPair, testTimings } from './support/link-pair.js';

const msg = (n: number) => ({ type: 'echo', n });

/** Both sides have heard each other, so both are up. */
async function connected(): Promise<SessionPair> {
  const pair = new SessionPair();
  await pair.run(testTimings.heartbeatMs * 2);
  expect(pair.a.session.state).to.equal('up');
  expect(pair.b.session.state).to.equal('up');
  return pair;
}

describe('link delivery (sessions over the real frame codec, on a manual clock)', () => {
  it('answers an ask with its reply and leaves nothing waiting once both ways are acked', async () => {
    const pair = await connected();
    const answer = pair.a.session.ask('b/echo', msg(7), 5_000);
    await pair.pump();
    expect(await answer).to.deep.equal(msg(7));
    expect(pair.b.delivered.map((d) => d.body)).to.deep.equal([msg(7)]);
    expect(pair.a.session.depth()).to.deep.equal({ outbox: 0, asks: 0 });
    expect(pair.b.session.depth()).to.deep.equal({ outbox: 0, asks: 0 });
  });

  it('sends a lost message again until it is acked, and the actor gets it once', async () => {
    const pair = await connected();
    let lost = 0;
    pair.drop = (from, type) => from === 'a' && type === 'echo' && lost++ < 2;
    pair.a.session.tell('b/echo', msg(1));
    await pair.pump();
    expect(pair.b.delivered).to.have.length(0);
    expect(pair.a.session.depth().outbox).to.equal(1);
    await pair.run(testTimings.retransmitMs * 3);
    expect(pair.b.delivered.map((d) => d.body)).to.deep.equal([msg(1)]);
    expect(pair.a.session.depth().outbox).to.equal(0);
    expect(pair.a.stats.retransmits.get('b')).to.equal(2);
  });

  it('delivers once when every message arrives twice, and counts the duplicates', async () => {
    const pair = await connected();
    pair.duplicate = true;
    const answers = [1, 2, 3].map((n) => pair.a.session.ask('b/echo', msg(n), 5_000));
    for (let n = 4; n <= 6; n++) pair.a.session.tell('b/echo', msg(n));
    await pair.pump();
    expect(await Promise.all(answers)).to.deep.equal([msg(1), msg(2), msg(3)]);
    expect(pair.b.delivered.map((d) => (d.body as { n: number }).n).sort()).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(pair.b.stats.duplicates.get('a')).to.equal(6);
    // Each reply also came twice: the second is acked and dropped.
    expect(pair.a.stats.duplicates.get('b')).to.equal(3);
  });

  it('marks a silent peer suspect, then down; its asks fail over at once and its tells wait', async () => {
    const pair = await connected();
    const states: string[] = [];
    pair.cut = true;
    const pending = pair.a.session.ask('b/echo', msg(1), 60_000).catch((e: unknown) => e);
    pair.a.session.tell('b/echo', msg(2));
    for (let t = 0; t < testTimings.downAfterMs + testTimings.heartbeatMs; t += testTimings.heartbeatMs) {
      await pair.run(testTimings.heartbeatMs);
      states.push(pair.a.session.state);
    }
    expect(states).to.include('suspect');
    expect(states.at(-1)).to.equal('down');
    expect(states.indexOf('suspect')).to.be.lessThan(states.indexOf('down'));
    expect(await pending).to.be.instanceOf(LinkPeerDownError);
    // A new ask to a down peer fails at once: the caller goes elsewhere.
    expect(await pair.a.session.ask('b/echo', msg(3), 60_000).catch((e: unknown) => e)).to.be.instanceOf(LinkPeerDownError);
    expect(pair.a.session.depth()).to.deep.equal({ outbox: 1, asks: 0 });
    pair.cut = false;
    await pair.run(testTimings.heartbeatMs * 3);
    expect(pair.a.session.state).to.equal('up');
    // The tell reached b once; the failed ask never ran there.
    expect(pair.b.delivered.map((d) => d.body)).to.deep.equal([msg(2)]);
    expect(pair.a.session.depth().outbox).to.equal(0);
  });

  it('sends again at once what a peer that restarted had not acknowledged', async () => {
    const pair = await connected();
    pair.cut = true;
    pair.a.session.tell('b/echo', msg(9));
    const old = pair.b;
    const fresh = pair.restartB();
    pair.cut = false;
    // One heartbeat from the new run carries its new boot id.
    fresh.session.tick();
    await pair.pump();
    expect(old.delivered).to.have.length(0);
    expect(fresh.delivered.map((d) => d.body)).to.deep.equal([msg(9)]);
    expect(pair.a.session.peerBoot).to.equal(fresh.boot);
    expect(pair.a.session.depth().outbox).to.equal(0);
  });

  it('refuses new messages while the outbox is full, and takes them again once acks come', async () => {
    const pair = new SessionPair({ ...testTimings, maxOutbox: 3 });
    // b has not been heard from yet: tells wait in a's outbox.
    for (let n = 0; n < 3; n++) pair.a.session.tell('b/echo', msg(n));
    expect(() => pair.a.session.tell('b/echo', msg(3))).to.throw(LinkBackpressureError);
    expect(pair.a.stats.backpressure.get('b')).to.equal(1);
    await pair.run(testTimings.heartbeatMs * 3);
    expect(pair.b.delivered.map((d) => (d.body as { n: number }).n)).to.deep.equal([0, 1, 2]);
    expect(() => pair.a.session.tell('b/echo', msg(3))).not.to.throw();
  });

  it('rejects an ask that is not answered by its deadline', async () => {
    const pair = await connected();
    pair.b.answer = () => new Promise(() => undefined);
    const pending = pair.a.session.ask('b/echo', msg(1), 250);
    await pair.pump();
    pair.clock.advance(260);
    expect(await pending.catch((e: unknown) => e)).to.be.instanceOf(LinkAskTimeoutError);
    expect(pair.a.session.depth().asks).to.equal(0);
  });

  it('does not deliver a message that arrives after its deadline', async () => {
    const pair = await connected();
    pair.cut = true;
    const pending = pair.a.session.ask('b/echo', msg(1), 150).catch((e: unknown) => e);
    pair.cut = false;
    // The ask times out before its retransmission.
    pair.clock.advance(160);
    expect(await pending).to.be.instanceOf(LinkAskTimeoutError);
    await pair.run(testTimings.retransmitMs * 2);
    expect(pair.b.delivered).to.have.length(0);
  });
});
