import { expect } from 'chai';
import { EndpointHealth, type HealthChange } from '../src/inference/endpoint-health.js';
import type { AttemptFailure } from '../src/inference/failure.js';
import { ManualClock } from '../src/runtime/manual-clock.js';

const policy = { failureThreshold: 3, baseMs: 1_000, maxMs: 8_000, multiplier: 2, jitter: 0.5, maxRetryAfterMs: 60_000 };

function circuit(random = () => 0.5) {
  const clock = new ManualClock(1_000_000);
  const changes: HealthChange[] = [];
  const health = new EndpointHealth('gpu', policy, clock, random, (c) => changes.push(c));
  return { clock, health, changes, wait: () => health.snapshot().cooldownUntil! - clock.now() };
}

const err500: AttemptFailure = { type: 'server-error', status: 500, message: 'HTTP 500: boom' };
const refused: AttemptFailure = { type: 'unreachable', message: 'cannot connect (ECONNREFUSED)' };
const busy = (retryAfterMs?: number): AttemptFailure => ({ type: 'busy', status: 503, message: 'HTTP 503: busy', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

describe('inference endpoint health', () => {
  it('cools after failureThreshold errors in a row, not after fewer, and a success in between starts the count again', () => {
    const { health } = circuit();
    health.failed(err500, false);
    health.failed(err500, false);
    health.succeeded(false);
    health.failed(err500, false);
    health.failed(err500, false);
    expect(health.state).to.equal('up');
    health.failed(err500, false);
    expect(health.snapshot()).to.include({ state: 'cooling', reason: 'server-error: HTTP 500: boom' });
  });

  it('goes down at once on a refused connection, cooling at once on 503; lets one trial through after the cooldown', () => {
    const { health, clock, changes, wait } = circuit();
    health.failed(refused, false);
    expect(health.snapshot()).to.include({ state: 'down', trips: 1 });
    expect(wait()).to.equal(1_000);
    expect(health.admission()).to.equal('shut');
    clock.advance(1_000);
    expect(health.admission()).to.equal('trial');
    expect(health.takeTrial()).to.equal(true);
    expect(health.takeTrial()).to.equal(false);
    expect(health.admission()).to.equal('shut');
    health.succeeded(true);
    expect(health.snapshot()).to.include({ state: 'up', trips: 0, reason: null });
    health.failed(busy(), false);
    expect(health.state).to.equal('cooling');
    expect(changes.map((c) => `${c.from}>${c.to}`)).to.deep.equal(['up>down', 'down>up', 'up>cooling']);
  });

  it('doubles the cooldown after each failed trial, up to maxMs, with jitter around it', () => {
    const { health, clock, wait } = circuit();
    const seen: number[] = [];
    health.failed(refused, false);
    for (let i = 0; i < 5; i++) {
      seen.push(wait());
      clock.advance(wait());
      health.takeTrial();
      health.failed(refused, true);
    }
    expect(seen).to.deep.equal([1_000, 2_000, 4_000, 8_000, 8_000]);
    const low = circuit(() => 0);
    low.health.failed(refused, false);
    expect(low.wait()).to.equal(500);
    const high = circuit(() => 0.999999);
    high.health.failed(refused, false);
    expect(high.wait()).to.equal(1_500);
  });

  it('cools for exactly what Retry-After asks (capped), and a later, longer one extends it', () => {
    const { health, wait } = circuit();
    health.failed(busy(30_000), false);
    expect(wait()).to.equal(30_000);
    health.failed(busy(45_000), false);
    expect(wait()).to.equal(45_000);
    health.failed(busy(10_000), false);
    expect(wait()).to.equal(45_000);
    health.failed(busy(3_600_000), false);
    expect(wait()).to.equal(60_000);
  });

  it('does not close on a success from a request sent before the trip, nor stay closed to a trial dropped without a verdict', () => {
    const { health, clock } = circuit();
    health.failed(busy(), false);
    health.succeeded(false);
    expect(health.state).to.equal('cooling');
    clock.advance(1_000);
    expect(health.takeTrial()).to.equal(true);
    health.dropTrial();
    expect(health.admission()).to.equal('trial');
  });

  it('turns a cooling endpoint down when a late failure shows it gone', () => {
    const { health } = circuit();
    health.failed(busy(), false);
    health.failed(refused, false);
    expect(health.snapshot()).to.include({ state: 'down', reason: 'unreachable: cannot connect (ECONNREFUSED)' });
  });
});
