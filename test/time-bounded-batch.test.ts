import { expect } from 'chai';
import { TimeBoundedBatch } from '../src/pipeline/time-bounded-batch.js';

describe('time-bounded batches', () => {
  it('grows while items are cheap, at most doubling a step, up to the maximum', () => {
    const batch = new TimeBoundedBatch(20, 500);
    const sizes: number[] = [];
    for (let i = 0; i < 8; i++) {
      const n = batch.next();
      sizes.push(n);
      batch.record(n, n * 0.01);
    }
    expect(sizes).to.deep.equal([16, 32, 64, 128, 256, 500, 500, 500]);
  });

  it('settles near the target when items get dearer, halving at most a step', () => {
    const batch = new TimeBoundedBatch(20, 500);
    for (let i = 0; i < 6; i++) batch.record(batch.next(), batch.next() * 0.01);
    const sizes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const n = batch.next();
      sizes.push(n);
      batch.record(n, n * 2); // 2 ms an item: 10 items make 20 ms
    }
    expect(sizes.slice(0, 3)).to.deep.equal([500, 250, 125]);
    expect(sizes.at(-1)).to.be.within(9, 11);
  });

  it('never goes below the minimum, and ignores empty steps', () => {
    const batch = new TimeBoundedBatch(5, 100, 4);
    for (let i = 0; i < 10; i++) batch.record(batch.next(), 1_000);
    expect(batch.next()).to.equal(4);
    batch.record(0, 0);
    expect(batch.next()).to.equal(4);
  });
});
