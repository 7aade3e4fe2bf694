import { expect } from 'chai';
import { ActorSystem, ask, tell, type ActorRef } from '../src/supervisors/index.js';
import { Lifecycle, probe, type ProbeMessage, type ProbeReplies } from './support/actors.js';

type OtherMessage = { type: 'other'; n: number };

/**
 * The compile-time half of these tests runs in `npm test`'s type check: each `@ts-expect-error`
 * below fails the build if the line it marks ever compiles.
 */
function typeChecks(ref: ActorRef<ProbeMessage, ProbeReplies>, other: ActorRef<OtherMessage>): void {
  tell(ref, { type: 'inc' });
  // @ts-expect-error a message type the actor does not understand
  tell(ref, { type: 'other', n: 1 });
  // @ts-expect-error a known type with a missing field
  tell(ref, { type: 'hold' });
  // @ts-expect-error a ref to one protocol is not a ref to another
  const wrong: ActorRef<ProbeMessage, ProbeReplies> = other;
  const answer: Promise<number> = ask(ref, { type: 'get' }, 10);
  // @ts-expect-error the reply of `get` is a number, not a string
  const notString: Promise<string> = ask(ref, { type: 'get' }, 10);
  // @ts-expect-error `inc` has no reply, so it cannot be asked
  void ask(ref, { type: 'inc' }, 10);
  void wrong;
  void answer;
  void notString;
}

describe('typed refs', () => {
  it('delivers well-typed messages and answers asks with the typed reply', async () => {
    const system = new ActorSystem();
    const w = system.worker('w', probe('w', new Lifecycle()));
    await system.start(system.supervisor('sup', [w]), () => {});
    void typeChecks;
    expect(tell(w.ref, { type: 'inc' })).to.equal(true);
    tell(w.ref, { type: 'inc' });
    const count: number = await ask(w.ref, { type: 'get' }, 1000);
    expect(count).to.equal(2);
    await system.shutdown();
    expect(tell(w.ref, { type: 'inc' })).to.equal(false);
    const stopped = await ask(w.ref, { type: 'get' }, 1000).then(() => undefined, (e: unknown) => e);
    expect(stopped).to.have.property('code', 'PAPERD_ACTOR_STOPPED');
  });
});
