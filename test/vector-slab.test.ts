import { expect } from 'chai';
import { cosineSimilarity as cosine } from '../src/embedding/embedder.js';
import { RecentRows } from '../src/storage/lancedb/recent-rows.js';
import { VectorSlab } from '../src/storage/lancedb/vector-slab.js';

function randomVectors(count: number, dims: number, seed: number): Float32Array[] {
  let s = seed;
  const random = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  return Array.from({ length: count }, () => Float32Array.from({ length: dims }, random));
}

function unit(v: Float32Array): Float32Array {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

describe('vector slab: unit vectors in one block, scored in one pass', () => {
  for (const dims of [32, 256, 30]) {
    it(`scores every slot with a query as its cosine (${dims} dimensions${dims % 4 ? ', JavaScript: not a multiple of 4' : ', WebAssembly SIMD'})`, () => {
      const slab = new VectorSlab();
      const vectors = randomVectors(500, dims, dims);
      const slots = vectors.map((v) => slab.put(v));
      expect(slots).to.deep.equal(vectors.map((_, i) => i));
      expect(slab.simd).to.equal(dims % 4 === 0);
      const query = randomVectors(1, dims, 99)[0]!;
      const scores = [...slab.scores(unit(query))];
      expect(scores).to.have.length(500);
      vectors.forEach((v, i) => expect(scores[i]).to.be.closeTo(cosine(v, query), 1e-5));
      vectors.forEach((v, i) => expect(slab.dot(i, unit(query))).to.equal(scores[i]));
    });
  }

  it('scores the same without WebAssembly, and keeps a zero vector at zero', () => {
    const vectors = [...randomVectors(200, 64, 5), new Float32Array(64)];
    const query = unit(randomVectors(1, 64, 6)[0]!);
    const simd = new VectorSlab();
    const plain = new VectorSlab({ wasm: false });
    for (const v of vectors) {
      simd.put(v);
      plain.put(v);
    }
    expect(simd.simd).to.equal(true);
    expect(plain.simd).to.equal(false);
    const a = [...simd.scores(query)];
    const b = [...plain.scores(query)];
    a.forEach((x, i) => expect(x).to.be.closeTo(b[i]!, 1e-5));
    expect(a[200]).to.equal(0);
  });

  it('hands released slots out again, keeps every vector across memory growth, and refuses another size', () => {
    const slab = new VectorSlab();
    const vectors = randomVectors(3_000, 256, 7);
    for (const v of vectors) slab.put(v);
    slab.release(10);
    slab.release(20);
    const replacement = randomVectors(1, 256, 8)[0]!;
    expect(slab.put(replacement)).to.equal(20);
    expect(slab.slots).to.equal(3_000);
    const query = unit(vectors[2_999]!);
    const scores = slab.scores(query);
    expect(scores[2_999]).to.be.closeTo(1, 1e-5);
    expect(scores[20]).to.be.closeTo(cosine(replacement, vectors[2_999]!), 1e-5);
    expect(scores[0]).to.be.closeTo(cosine(vectors[0]!, vectors[2_999]!), 1e-5);
    expect(() => slab.put(new Float32Array(128))).to.throw(/128 dimensions in a slab of 256/);
  });
});

describe('recent rows over the slab', () => {
  it('finds what an exact search finds after most rows were indexed and let go, and packs the slab', () => {
    const dims = 64;
    const vectors = randomVectors(1_200, dims, 11);
    const recent = new RecentRows(10_000, true);
    const plain = new RecentRows(10_000, true, { wasm: false });
    const batch = (from: number, to: number) => vectors.slice(from, to).map((vector, i) => ({ id: `p${from + i}`, vector, embedder: 'e' }));
    for (const r of [recent, plain]) {
      r.added(batch(0, 500));
      r.added(batch(500, 1_000));
    }
    const mark = recent.mark();
    plain.mark();
    for (const r of [recent, plain]) {
      r.added(batch(1_000, 1_200));
      r.indexedUpTo(mark);
      // p1100 rewritten with p3's vector: its new row replaces the old one.
      r.added([{ id: 'p1100', vector: vectors[3]!, embedder: 'e' }]);
    }
    expect(recent.size).to.equal(200);
    const query = vectors[3]!;
    const left = [...Array.from({ length: 200 }, (_, i) => ({ id: `p${1_000 + i}`, vector: vectors[1_000 + i]! }))].map((r) => (r.id === 'p1100' ? { id: r.id, vector: vectors[3]! } : r));
    const exact = left.map((r) => ({ id: r.id, distance: 1 - cosine(r.vector, query) })).sort((a, b) => a.distance - b.distance).slice(0, 20);
    const found = recent.nearest(query, 20);
    expect(found.map((h) => h.id)).to.deep.equal(exact.map((h) => h.id));
    expect(found[0]).to.include({ id: 'p1100' });
    found.forEach((h, i) => expect(h.distance).to.be.closeTo(exact[i]!.distance, 1e-5));
    expect(plain.nearest(query, 20).map((h) => h.id)).to.deep.equal(exact.map((h) => h.id));
    expect(recent.simd).to.equal(true);
  });
});
