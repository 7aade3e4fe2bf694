import { gaussianMatrix, gram, multiply, zeros, type DenseMatrix, type LinearOperator } from './dense-matrix.js';
import { orthonormalizeColumns } from './orthonormalize.js';
import { SeededRandom } from './seeded-random.js';
import { symmetricEigen } from './symmetric-eigen.js';

/** How to compute a truncated SVD. */
export interface RandomizedSvdOptions {
  /** Singular triplets wanted; capped at the smaller side of the matrix. */
  readonly rank: number;
  /** Extra random directions sampled beyond `rank` (default 10): they absorb the tail's leakage. */
  readonly oversampling?: number;
  /** Subspace (power) iterations (default 2): each sharpens the spectrum where it decays slowly, as TF-IDF's does. */
  readonly powerIterations?: number;
  /** Seed of the Gaussian test matrix (default 1). */
  readonly seed?: number;
  /** Whether to compute the left singular vectors too (default false: LSA projects with the right ones). */
  readonly leftVectors?: boolean;
}

/** A ≈ U·diag(σ)·Vᵀ, the largest singular values first. */
export interface TruncatedSvd {
  readonly singularValues: Float64Array;
  /** V, `cols` × rank; orthonormal columns, except zero columns past the numerical rank. */
  readonly rightVectors: DenseMatrix;
  /** U, `rows` × rank, when asked for. */
  readonly leftVectors?: DenseMatrix;
}

// Singular values below this share of the largest are indistinguishable from rounding in B·Bᵀ.
const NUMERICAL_RANK_TOLERANCE = 1e-7;

/**
 * Truncated SVD by randomized subspace iteration (Halko, Martinsson & Tropp 2011, algorithms 4.4
 * and 5.1): a Gaussian test matrix Ω, Y = A·Ω, q rounds of Y ← A·orth(Aᵀ·orth(Y)) with every
 * block re-orthonormalised (without that, rounding collapses Y onto the first singular vector),
 * Q = orth(Y), then the exact SVD of the small B = Qᵀ·A from the eigen-decomposition of B·Bᵀ.
 * Deterministic for a seed; each product with A streams it once.
 */
export function randomizedSvd(a: LinearOperator, options: RandomizedSvdOptions): TruncatedSvd {
  if (!Number.isInteger(options.rank) || options.rank < 1) throw new RangeError(`rank must be a positive integer, not ${options.rank}`);
  const rank = Math.min(options.rank, a.rows, a.cols);
  const sketch = Math.min(rank + (options.oversampling ?? 10), a.rows, a.cols);
  const random = new SeededRandom(options.seed ?? 1);

  let q = orthonormalizeColumns(a.multiply(gaussianMatrix(a.cols, sketch, random)));
  for (let i = 0; i < (options.powerIterations ?? 2); i++) {
    const z = orthonormalizeColumns(a.multiplyTransposed(q));
    q = orthonormalizeColumns(a.multiply(z));
  }
  // B = Qᵀ·A is only as exact as Q is orthonormal: the last basis gets a second pass.
  q = orthonormalizeColumns(q);

  // Bᵀ = Aᵀ·Q is cols × sketch; B·Bᵀ = (Bᵀ)ᵀ·Bᵀ.
  const bt = a.multiplyTransposed(q);
  const { values, vectors: w } = symmetricEigen(gram(bt));
  const singularValues = new Float64Array(rank);
  const largest = Math.sqrt(Math.max(values[0] ?? 0, 0));
  for (let i = 0; i < rank; i++) {
    const sigma = Math.sqrt(Math.max(values[i]!, 0));
    singularValues[i] = sigma > NUMERICAL_RANK_TOLERANCE * largest ? sigma : 0;
  }

  const wTop = leadingColumns(w, rank);
  // V = Bᵀ·W·Σ⁻¹; U = Q·W.
  const rightVectors = multiply(bt, wTop);
  scaleColumns(rightVectors, (c) => (singularValues[c]! > 0 ? 1 / singularValues[c]! : 0));
  const flips = signsMakingLargestPositive(rightVectors);
  scaleColumns(rightVectors, (c) => flips[c]!);
  if (!options.leftVectors) return { singularValues, rightVectors };
  const leftVectors = multiply(q, wTop);
  scaleColumns(leftVectors, (c) => (singularValues[c]! > 0 ? flips[c]! : 0));
  return { singularValues, rightVectors, leftVectors };
}

function leadingColumns(m: DenseMatrix, count: number): DenseMatrix {
  const out = zeros(m.rows, count);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < count; j++) out.data[i * count + j] = m.data[i * m.cols + j]!;
  }
  return out;
}

function scaleColumns(m: DenseMatrix, factorOf: (column: number) => number): void {
  const factors = Float64Array.from({ length: m.cols }, (_, c) => factorOf(c));
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j]! *= factors[j]!;
  }
}

/**
 * Singular vectors are defined up to sign; fixing it (largest-magnitude entry of each right vector
 * positive) makes the output a function of the matrix rather than of the path taken to it.
 */
function signsMakingLargestPositive(v: DenseMatrix): Float64Array {
  const signs = new Float64Array(v.cols).fill(1);
  const largest = new Float64Array(v.cols);
  for (let i = 0; i < v.rows; i++) {
    for (let j = 0; j < v.cols; j++) {
      const x = v.data[i * v.cols + j]!;
      if (Math.abs(x) > largest[j]!) {
        largest[j] = Math.abs(x);
        signs[j] = x < 0 ? -1 : 1;
      }
    }
  }
  return signs;
}
