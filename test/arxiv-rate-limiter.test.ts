import { expect } from 'chai';
import { ManualClock } from '../src/runtime/manual-clock.js';
import { systemClock } from '../src/runtime/clock.js';
import { ArxivRateLimiter, type ArxivPriority } from '../src/sources/arxiv/rate-limiter.js';
import { ArxivHttpClient } from '../src/sources/arxiv/http-client.js';
import { FakeArxivServer } from './support/arxiv-server.js';
import { requireShared } from './support/shared.js';

/** Lets every pending promise continuation run (ManualClock fires timers synchronously). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A limiter on a manual clock, and a log of when each task started and ended. */
function harness(intervalMs = 3000) {
  const clock = new ManualClock(1_000_000);
  const limiter = new ArxivRateLimiter({ clock, intervalMs });
  const log: { name: string; event: 'start' | 'end'; at: number }[] = [];
  let running = 0;
  let maxRunning = 0;
  const task = (name: string, hold?: Promise<void>) => async (): Promise<string> => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    log.push({ name, event: 'start', at: clock.now() });
    try {
      await hold;
      return name;
    } finally {
      running--;
      log.push({ name, event: 'end', at: clock.now() });
    }
  };
  const starts = () => log.filter((e) => e.event === 'start');
  /** Advances in small steps so each timer's continuation runs before the next fires. */
  const advance = async (ms: number, step = 250): Promise<void> => {
    for (let done = 0; done < ms; done += step) {
      clock.advance(Math.min(step, ms - done));
      await settle();
    }
  };
  return { clock, limiter, log, task, starts, advance, maxRunning: () => maxRunning };
}

describe('ArxivRateLimiter', () => {
  it('grants the first request at once', async () => {
    const { limiter, task, starts } = harness();
    const result = await limiter.run('normal', task('a'));
    expect(result).to.equal('a');
    expect(starts()).to.have.length(1);
  });

  it('never lets two request starts be closer than the interval', async () => {
    const { limiter, task, starts, advance } = harness(3000);
    const runs = ['a', 'b', 'c', 'd', 'e'].map((n) => limiter.run('normal', task(n)));
    await settle();
    await advance(12_000);
    expect(await Promise.all(runs)).to.deep.equal(['a', 'b', 'c', 'd', 'e']);
    const at = starts().map((s) => s.at);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).to.be.at.least(3000);
    expect(at[4]! - at[0]!).to.equal(12_000);
  });

  it('never runs two requests at once, even when the interval has long passed', async () => {
    const { limiter, task, log, advance, maxRunning } = harness(3000);
    const hold = deferred();
    const first = limiter.run('normal', task('slow', hold.promise));
    const second = limiter.run('normal', task('next'));
    await settle();
    await advance(10_000);
    expect(log.map((e) => `${e.event}:${e.name}`)).to.deep.equal(['start:slow']);
    hold.resolve();
    await first;
    await second;
    expect(log.map((e) => `${e.event}:${e.name}`)).to.deep.equal(['start:slow', 'end:slow', 'start:next', 'end:next']);
    expect(maxRunning()).to.equal(1);
  });

  it('releases the slot when a task fails, and the failure reaches its caller', async () => {
    const { limiter, task, starts, advance } = harness(3000);
    const failing = limiter.run('normal', () => Promise.reject(new Error('boom')));
    const after = limiter.run('normal', task('after'));
    expect(await failing.catch((e: Error) => e.message)).to.equal('boom');
    await advance(3000);
    expect(await after).to.equal('after');
    expect(starts().map((s) => s.name)).to.deep.equal(['after']);
  });

  it('serves hot before normal before offline, first come first served within each', async () => {
    const { limiter, task, starts, advance } = harness(3000);
    const hold = deferred();
    const busy = limiter.run('normal', task('busy', hold.promise));
    const order: [string, ArxivPriority][] = [
      ['off1', 'offline'],
      ['norm1', 'normal'],
      ['hot1', 'hot'],
      ['off2', 'offline'],
      ['hot2', 'hot'],
      ['norm2', 'normal'],
    ];
    const runs = order.map(([name, priority]) => limiter.run(priority, task(name)));
    await settle();
    hold.resolve();
    await busy;
    await advance(6 * 3000);
    await Promise.all(runs);
    expect(starts().map((s) => s.name)).to.deep.equal(['busy', 'hot1', 'hot2', 'norm1', 'norm2', 'off1', 'off2']);
  });

  it('gives up a wait when its signal aborts: rejects with the reason, never runs the task, keeps the queue moving', async () => {
    const { limiter, task, starts, advance } = harness(3000);
    await limiter.run('normal', task('first'));
    const controller = new AbortController();
    const aborted = limiter.run('normal', task('aborted'), controller.signal);
    const after = limiter.run('normal', task('after'));
    await settle();
    const reason = new Error('shutting down');
    controller.abort(reason);
    const outcome = await aborted.then(
      () => 'ran',
      (e: unknown) => e,
    );
    expect(outcome).to.equal(reason);
    await advance(3000);
    expect(await after).to.equal('after');
    expect(starts().map((s) => s.name)).to.deep.equal(['first', 'after']);
    expect(limiter.stats().aborted).to.equal(1);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { limiter, task, starts } = harness();
    const outcome = await limiter.run('normal', task('never'), AbortSignal.abort(new Error('too late'))).catch((e: Error) => e.message);
    expect(outcome).to.equal('too late');
    expect(starts()).to.have.length(0);
  });

  it('penalize pushes every next start back to the given time, queued requests included', async () => {
    const { clock, limiter, task, starts, advance } = harness(3000);
    const t0 = clock.now();
    await limiter.run('normal', task('a'));
    limiter.penalize(t0 + 60_000);
    const b = limiter.run('hot', task('b'));
    const c = limiter.run('offline', task('c'));
    await advance(59_750);
    expect(starts().map((s) => s.name)).to.deep.equal(['a']);
    await advance(250);
    expect(await b).to.equal('b');
    await advance(3000);
    expect(await c).to.equal('c');
    expect(starts().map((s) => s.at - t0)).to.deep.equal([0, 60_000, 63_000]);
  });

  it('ignores a penalty that ends before one already in force', async () => {
    const { clock, limiter } = harness(3000);
    limiter.penalize(clock.now() + 30_000);
    limiter.penalize(clock.now() + 5_000);
    expect(limiter.nextStartAt()).to.equal(clock.now() + 30_000);
    expect(limiter.stats().penalties).to.equal(1);
  });

  it('counts requests per priority and the time spent waiting', async () => {
    const { limiter, task, advance } = harness(3000);
    const runs = [limiter.run('hot', task('a')), limiter.run('normal', task('b')), limiter.run('offline', task('c'))];
    await settle();
    await advance(6000);
    await Promise.all(runs);
    const stats = limiter.stats();
    expect(stats.requests).to.equal(3);
    expect(stats.requestsByPriority).to.deep.equal({ hot: 1, normal: 1, offline: 1 });
    expect(stats.totalWaitMs).to.equal(0 + 3000 + 6000);
    expect(stats.queued).to.equal(0);
    expect(stats.active).to.equal(false);
  });

  describe('against a real server', () => {
    let server: FakeArxivServer;
    before(async () => {
      server = await FakeArxivServer.start();
    });
    after(async () => {
      await server.close();
    });

    it('spaces request arrivals by at least the interval and never overlaps them', async function () {
      requireShared(this, 'pdf');
      const intervalMs = 100;
      const limiter = new ArxivRateLimiter({ clock: systemClock(), intervalMs });
      const fetchCalls: number[] = [];
      const client = new ArxivHttpClient({
        limiter,
        clock: systemClock(),
        baseUrls: server.baseUrls,
        fetch: (input, init) => {
          fetchCalls.push(performance.timeOrigin + performance.now());
          return fetch(input, init);
        },
      });
      const params = { searchQuery: 'testing', start: 0, maxResults: 10, sortBy: 'relevance', sortOrder: 'descending' } as const;
      const pdf = `${server.baseUrls.pdf}/1111.2011v2`;
      // Cold code paths in fetch delay the first requests by several ms, which would blur arrivals: warm them.
      await Promise.all([client.query(params), client.getText(pdf)]);
      const firstCall = fetchCalls.length;
      const before = server.requests.length;
      const responses = await Promise.all([
        client.query(params),
        client.getText(pdf),
        client.query({ ...params, start: 10 }),
        client.query({ ...params, idList: ['1605.08386'], searchQuery: '', maxResults: 100 }),
        client.getText(pdf),
        client.query({ ...params, start: 20 }),
      ]);
      expect(responses.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200, 200]);
      const starts = fetchCalls.slice(firstCall);
      const arrivals = server.requests.slice(before);
      expect(arrivals).to.have.length(6);
      // The limiter's clock counts whole milliseconds, hence the 1 ms.
      for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).to.be.at.least(intervalMs - 1);
      // Arrivals add the network's jitter to that spacing: a few ms of it are allowed.
      for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]!.at - arrivals[i - 1]!.at).to.be.at.least(intervalMs - 10);
      expect(arrivals.map((a) => a.inFlight)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    });
  });
});
