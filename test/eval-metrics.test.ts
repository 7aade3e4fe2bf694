import { expect } from 'chai';
import { evaluate, mrrAt, ndcgAt, recallAt } from '../src/search/eval-metrics.js';

const judged = (entries: Record<string, number>) => new Map(Object.entries(entries));
const log2 = Math.log2;

describe('retrieval metrics (BEIR definitions)', () => {
  describe('nDCG@k', () => {
    it('discounts each gain by log2(position + 1) and divides by the ideal ordering of the judgments', () => {
      // b (rel 2) at position 2, d (rel 1) at position 4; ideal: b then d.
      const dcg = 2 / log2(3) + 1 / log2(5);
      const idcg = 2 / log2(2) + 1 / log2(3);
      expect(ndcgAt(10, ['a', 'b', 'c', 'd'], judged({ b: 2, d: 1 }))).to.be.closeTo(dcg / idcg, 1e-12);
    });

    it('uses the relevance itself as the gain (trec_eval), not 2^rel − 1', () => {
      const linear = (1 + 2 / log2(3)) / (2 + 1 / log2(3));
      const exponential = (1 + 3 / log2(3)) / (3 + 1 / log2(3));
      const value = ndcgAt(10, ['x', 'y'], judged({ x: 1, y: 2 }));
      expect(value).to.be.closeTo(linear, 1e-12);
      expect(value).not.to.be.closeTo(exponential, 1e-3);
    });

    it('is 1 for the ideal ranking and 0 when nothing relevant is retrieved', () => {
      expect(ndcgAt(10, ['b', 'd', 'z'], judged({ b: 2, d: 1 }))).to.equal(1);
      expect(ndcgAt(10, ['x', 'y'], judged({ b: 2 }))).to.equal(0);
    });

    it('ignores results past k, and takes the ideal from the best k judgments only', () => {
      expect(ndcgAt(2, ['x', 'y', 'b'], judged({ b: 1 }))).to.equal(0);
      // Three relevant documents, k = 1: the ideal is the single best, so one relevant hit at the top scores 1.
      expect(ndcgAt(1, ['c'], judged({ a: 1, b: 1, c: 1 }))).to.equal(1);
    });

    it('treats judgments of 0 or less as not relevant', () => {
      expect(ndcgAt(10, ['a', 'b'], judged({ a: 0, b: -1 }))).to.equal(0);
      expect(ndcgAt(10, ['a', 'b'], judged({ a: 0, b: 1 }))).to.be.closeTo(1 / log2(3), 1e-12);
    });

    it('counts a document listed twice once, and the next distinct one takes the following position', () => {
      const once = ndcgAt(10, ['a', 'b'], judged({ a: 1, b: 1 }));
      expect(ndcgAt(10, ['a', 'a', 'b'], judged({ a: 1, b: 1 }))).to.equal(once);
      expect(once).to.equal(1);
    });

    it('rejects a cutoff that is not a positive integer', () => {
      expect(() => ndcgAt(0, ['a'], judged({ a: 1 }))).to.throw(RangeError);
      expect(() => ndcgAt(2.5, ['a'], judged({ a: 1 }))).to.throw(RangeError);
    });
  });

  describe('Recall@k', () => {
    it('is the share of relevant documents found in the first k', () => {
      const relevant = judged({ a: 1, b: 2, c: 1 });
      expect(recallAt(100, ['a', 'x', 'c'], relevant)).to.be.closeTo(2 / 3, 1e-12);
      expect(recallAt(2, ['a', 'x', 'c'], relevant)).to.be.closeTo(1 / 3, 1e-12);
      expect(recallAt(100, [], relevant)).to.equal(0);
    });

    it('does not count a document judged 0 as relevant, found or not', () => {
      expect(recallAt(100, ['a', 'z'], judged({ a: 1, z: 0 }))).to.equal(1);
    });
  });

  describe('MRR@k', () => {
    it('is 1 / the position of the first relevant result, and 0 when it lies past k', () => {
      const relevant = judged({ c: 1, e: 1 });
      expect(mrrAt(10, ['a', 'b', 'c', 'e'], relevant)).to.be.closeTo(1 / 3, 1e-12);
      expect(mrrAt(2, ['a', 'b', 'c'], relevant)).to.equal(0);
      expect(mrrAt(10, ['e'], relevant)).to.equal(1);
    });
  });

  describe('evaluate', () => {
    it('averages nDCG@10, Recall@100 and MRR@10 over the judged queries', () => {
      const qrels = new Map([
        ['q1', judged({ a: 1 })],
        ['q2', judged({ b: 1, c: 1 })],
      ]);
      const runs = new Map([
        ['q1', ['a']],
        ['q2', ['x', 'b']],
      ]);
      const q2Ndcg = 1 / log2(3) / (1 + 1 / log2(3));
      const summary = evaluate(runs, qrels);
      expect(summary.queries).to.equal(2);
      expect(summary.ndcgAt10).to.be.closeTo((1 + q2Ndcg) / 2, 1e-12);
      expect(summary.recallAt100).to.be.closeTo((1 + 0.5) / 2, 1e-12);
      expect(summary.mrrAt10).to.be.closeTo((1 + 0.5) / 2, 1e-12);
    });

    it('scores a judged query with no run as 0, and ignores runs of unjudged queries and queries with nothing relevant', () => {
      const qrels = new Map([
        ['q1', judged({ a: 1 })],
        ['q2', judged({ b: 1 })],
        ['q3', judged({ c: 0 })],
      ]);
      const runs = new Map([
        ['q1', ['a']],
        ['q9', ['z']],
      ]);
      expect(evaluate(runs, qrels)).to.deep.equal({ queries: 2, ndcgAt10: 0.5, recallAt100: 0.5, mrrAt10: 0.5 });
    });

    it('reports zeros, not NaN, when no query can be evaluated', () => {
      expect(evaluate(new Map(), new Map())).to.deep.equal({ queries: 0, ndcgAt10: 0, recallAt100: 0, mrrAt10: 0 });
    });
  });
});
