import { expect } from 'chai';
import { denseOperator, gaussianMatrix, gram, multiply, transpose, zeros, type DenseMatrix } from '../src/embedding/lsa/dense-matrix.js';
import { orthonormalizeColumns } from '../src/embedding/lsa/orthonormalize.js';
import { randomizedSvd } from '../src/embedding/lsa/randomized-svd.js';
import { SeededRandom } from '../src/embedding/lsa/seeded-random.js';
import { CsrBuilder } from '../src/embedding/lsa/sparse-matrix.js';
import { symmetricEigen } from '../src/embedding/lsa/symmetric-eigen.js';

/** A matrix with orthonormal columns, drawn at random. */
function randomOrthonormal(rows: number, cols: number, seed: number): DenseMatrix {
  return orthonormalizeColumns(gaussianMatrix(rows, cols, new SeededRandom(seed)), 2);
}

/** U·diag(σ)·Vᵀ for random orthonormal U and V: a matrix whose singular values are exactly σ. */
function withSingularValues(rows: number, cols: number, sigma: readonly number[], seed = 7): DenseMatrix {
  const u = randomOrthonormal(rows, sigma.length, seed);
  const v = randomOrthonormal(cols, sigma.length, seed + 1);
  for (let i = 0; i < rows; i++) for (let j = 0; j < sigma.length; j++) u.data[i * sigma.length + j]! *= sigma[j]!;
  return multiply(u, transpose(v));
}

/** Largest |MᵀM − I| entry over the non-zero columns of M. */
function orthonormalityError(m: DenseMatrix): number {
  const g = gram(m);
  let worst = 0;
  for (let i = 0; i < m.cols; i++) {
    for (let j = 0; j < m.cols; j++) worst = Math.max(worst, Math.abs(g.data[i * m.cols + j]! - (i === j ? 1 : 0)));
  }
  return worst;
}

function naiveProduct(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  const out = zeros(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let s = 0;
      for (let k = 0; k < a.cols; k++) s += a.data[i * a.cols + k]! * b.data[k * b.cols + j]!;
      out.data[i * b.cols + j] = s;
    }
  }
  return out;
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('randomized SVD', () => {
  const sigma = [100, 60, 35, 20, 12, 7, 4, 2, 1, 0.5];

  it('recovers the singular values of a known low-rank matrix, with orthonormal singular vectors', () => {
    const a = withSingularValues(300, 140, sigma);
    const svd = randomizedSvd(denseOperator(a), { rank: sigma.length, leftVectors: true });
    for (let i = 0; i < sigma.length; i++) expect(svd.singularValues[i]).to.be.closeTo(sigma[i]!, 1e-8 * sigma[0]!);
    expect(orthonormalityError(svd.rightVectors)).to.be.lessThan(1e-9);
    expect(orthonormalityError(svd.leftVectors!)).to.be.lessThan(1e-9);
  });

  it('reconstructs the matrix from U·Σ·Vᵀ', () => {
    const a = withSingularValues(120, 90, sigma, 3);
    const { singularValues, rightVectors, leftVectors } = randomizedSvd(denseOperator(a), { rank: sigma.length, leftVectors: true });
    const us = leftVectors!;
    for (let i = 0; i < us.rows; i++) for (let j = 0; j < us.cols; j++) us.data[i * us.cols + j]! *= singularValues[j]!;
    expect(maxDifference(multiply(us, transpose(rightVectors)).data, a.data)).to.be.lessThan(1e-9);
  });

  it('finds the leading singular values of a full-rank matrix with a slowly decaying tail, power iterations sharpening them', () => {
    const spectrum = Array.from({ length: 80 }, (_, i) => 10 / (1 + i) ** 0.5);
    const a = withSingularValues(200, 80, spectrum, 11);
    const relativeError = (powerIterations: number) => {
      const svd = randomizedSvd(denseOperator(a), { rank: 8, oversampling: 8, powerIterations });
      return Math.max(...Array.from(svd.singularValues, (s, i) => Math.abs(s - spectrum[i]!) / spectrum[i]!));
    };
    const sharp = relativeError(4);
    expect(sharp).to.be.lessThan(0.01);
    expect(sharp).to.be.lessThan(relativeError(0) / 4);
  });

  it('is deterministic for a seed', () => {
    const a = denseOperator(withSingularValues(150, 100, sigma));
    const first = randomizedSvd(a, { rank: 6, seed: 42 });
    const second = randomizedSvd(a, { rank: 6, seed: 42 });
    expect([...second.singularValues]).to.deep.equal([...first.singularValues]);
    expect([...second.rightVectors.data]).to.deep.equal([...first.rightVectors.data]);
  });

  it('fixes the signs of singular vectors, so another seed gives the same vectors up to rounding', () => {
    const a = denseOperator(withSingularValues(150, 100, sigma));
    const first = randomizedSvd(a, { rank: 6, seed: 1 });
    const other = randomizedSvd(a, { rank: 6, seed: 2 });
    expect(maxDifference(first.rightVectors.data, other.rightVectors.data)).to.be.lessThan(1e-8);
  });

  it('returns zeros past the rank of a rank-deficient matrix, and caps the rank at the smaller side', () => {
    const a = denseOperator(withSingularValues(60, 40, [5, 3, 1]));
    const svd = randomizedSvd(a, { rank: 6, leftVectors: true });
    expect([...svd.singularValues.slice(0, 3)].map((s) => Math.round(s * 1e6) / 1e6)).to.deep.equal([5, 3, 1]);
    expect([...svd.singularValues.slice(3)]).to.deep.equal([0, 0, 0]);
    expect(svd.rightVectors.data.every(Number.isFinite)).to.equal(true);
    expect(randomizedSvd(denseOperator(withSingularValues(5, 4, [2, 1])), { rank: 10 }).singularValues.length).to.equal(4);
    expect(() => randomizedSvd(a, { rank: 0 })).to.throw(RangeError);
  });

  it('runs on a sparse CSR matrix exactly as on the same matrix dense', () => {
    const random = new SeededRandom(5);
    const dense = zeros(70, 50);
    const builder = new CsrBuilder(50);
    for (let r = 0; r < 70; r++) {
      const indices: number[] = [];
      const values: number[] = [];
      for (let c = 0; c < 50; c++) {
        if (random.next() < 0.1) {
          const v = Math.fround(random.next());
          dense.data[r * 50 + c] = v;
          indices.push(c);
          values.push(v);
        }
      }
      builder.addRow({ indices: Int32Array.from(indices), values: Float32Array.from(values) });
    }
    const sparse = builder.build();
    const x = gaussianMatrix(50, 7, random);
    const y = gaussianMatrix(70, 7, random);
    expect(maxDifference(sparse.multiply(x).data, naiveProduct(dense, x).data)).to.be.lessThan(1e-12);
    expect(maxDifference(sparse.multiplyTransposed(y).data, naiveProduct(transpose(dense), y).data)).to.be.lessThan(1e-12);
    const fromSparse = randomizedSvd(sparse, { rank: 5 });
    const fromDense = randomizedSvd(denseOperator(dense), { rank: 5 });
    expect(maxDifference(fromSparse.singularValues, fromDense.singularValues)).to.be.lessThan(1e-10);
  });
});

describe('dense kernels behind the SVD', () => {
  it('multiply and gram agree with the naive triple loop at sizes that are not multiples of the tile', () => {
    const random = new SeededRandom(9);
    for (const [n, k, p] of [[1, 1, 1], [7, 5, 3], [9, 13, 6], [70, 66, 65]] as const) {
      const a = gaussianMatrix(n, k, random);
      const b = gaussianMatrix(k, p, random);
      expect(maxDifference(multiply(a, b).data, naiveProduct(a, b).data)).to.be.lessThan(1e-10);
      expect(maxDifference(gram(a).data, naiveProduct(transpose(a), a).data)).to.be.lessThan(1e-10);
    }
  });

  it('orthonormalizes in place and keeps the span, nearly dependent columns included', () => {
    const random = new SeededRandom(3);
    const m = gaussianMatrix(100, 6, random);
    // Column 5 is column 0 plus a whisper: one pass of Cholesky QR leaves an error near 1e-8 here.
    for (let i = 0; i < 100; i++) m.data[i * 6 + 5] = m.data[i * 6]! + 1e-4 * random.nextNormal();
    const original = { ...m, data: m.data.slice() };
    const q = orthonormalizeColumns(m, 2);
    expect(q.data).to.equal(m.data);
    expect(orthonormalityError(q)).to.be.lessThan(1e-12);
    const projected = multiply(q, multiply(transpose(q), original));
    expect(maxDifference(projected.data, original.data)).to.be.lessThan(1e-10);
  });

  it('turns a column that depends on the others into a zero column, not NaN', () => {
    const m = gaussianMatrix(100, 6, new SeededRandom(8));
    for (let i = 0; i < 100; i++) m.data[i * 6 + 5] = 2 * m.data[i * 6]! - m.data[i * 6 + 1]!;
    const q = orthonormalizeColumns(m, 2);
    const norms = Array.from({ length: 6 }, (_, j) => Math.sqrt(gram(q).data[j * 6 + j]!));
    expect(norms.filter((x) => Math.abs(x - 1) < 1e-9)).to.have.length(5);
    expect(norms.filter((x) => x === 0)).to.have.length(1);
  });

  it('eigen-decomposes a symmetric matrix: A·w = λ·w, largest first', () => {
    const a = gram(gaussianMatrix(30, 9, new SeededRandom(4)));
    const { values, vectors } = symmetricEigen(a);
    for (let i = 1; i < 9; i++) expect(values[i]).to.be.at.most(values[i - 1]!);
    const aw = multiply(a, vectors);
    for (let i = 0; i < 9; i++) for (let j = 0; j < 9; j++) expect(aw.data[i * 9 + j]).to.be.closeTo(values[j]! * vectors.data[i * 9 + j]!, 1e-9);
    expect(orthonormalityError(vectors)).to.be.lessThan(1e-12);
  });
});
