import { zeros, type DenseMatrix } from './dense-matrix.js';

/** Eigenvalues of a symmetric matrix, largest first, with their unit eigenvectors as columns. */
export interface SymmetricEigen {
  readonly values: Float64Array;
  /** n × n; column i belongs to `values[i]`. */
  readonly vectors: DenseMatrix;
}

const MAX_SWEEPS = 100;

/**
 * Cyclic Jacobi eigen-decomposition of a small symmetric matrix (the l × l B·Bᵀ of the randomized
 * SVD, l a few hundred). Slower than QR iteration but short, exact to rounding, and its
 * eigenvectors are orthogonal by construction. The input is not changed.
 */
export function symmetricEigen(matrix: DenseMatrix): SymmetricEigen {
  const n = matrix.rows;
  if (matrix.cols !== n) throw new RangeError(`eigen-decomposition needs a square matrix, not ${matrix.rows}×${matrix.cols}`);
  const a = Float64Array.from(matrix.data);
  const v = zeros(n, n);
  for (let i = 0; i < n; i++) v.data[i * n + i] = 1;

  let total = 0;
  for (const x of a) total += x * x;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    // Converged once what is off the diagonal is rounding noise next to the whole.
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) rotate(a, v.data, n, p, q);
    }
  }

  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y]! - a[x * n + x]! || x - y);
  const values = new Float64Array(n);
  const vectors = zeros(n, n);
  order.forEach((from, to) => {
    values[to] = a[from * n + from]!;
    for (let k = 0; k < n; k++) vectors.data[k * n + to] = v.data[k * n + from]!;
  });
  return { values, vectors };
}

/** One Jacobi rotation that zeroes a[p][q] (Numerical Recipes §11.1), applied to a and to v. */
function rotate(a: Float64Array, v: Float64Array, n: number, p: number, q: number): void {
  const apq = a[p * n + q]!;
  if (apq === 0) return;
  const app = a[p * n + p]!;
  const aqq = a[q * n + q]!;
  const theta = (aqq - app) / (2 * apq);
  // The smaller root of t² + 2tθ − 1 = 0: the rotation angle stays under π/4, which is what converges.
  const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  a[p * n + p] = app - t * apq;
  a[q * n + q] = aqq + t * apq;
  a[p * n + q] = 0;
  a[q * n + p] = 0;
  for (let k = 0; k < n; k++) {
    if (k === p || k === q) continue;
    const akp = a[k * n + p]!;
    const akq = a[k * n + q]!;
    const newKp = c * akp - s * akq;
    const newKq = s * akp + c * akq;
    a[k * n + p] = newKp;
    a[p * n + k] = newKp;
    a[k * n + q] = newKq;
    a[q * n + k] = newKq;
  }
  for (let k = 0; k < n; k++) {
    const vkp = v[k * n + p]!;
    const vkq = v[k * n + q]!;
    v[k * n + p] = c * vkp - s * vkq;
    v[k * n + q] = s * vkp + c * vkq;
  }
}
