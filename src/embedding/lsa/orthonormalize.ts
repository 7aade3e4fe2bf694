import { multiplyTransposedRight } from './dense-kernels.js';
import { gram, transpose, zeros, type DenseMatrix } from './dense-matrix.js';
import { symmetricEigen } from './symmetric-eigen.js';

// A Cholesky pivot below this (on the unit-diagonal Gram matrix) means columns near dependence:
// the triangular inverse would amplify rounding, so the eigen route takes over.
const CHOLESKY_PIVOT_FLOOR = 1e-10;
// Eigenvalues of the Gram matrix below this share of the largest are rounding: their directions are dropped.
const EIGEN_FLOOR = 1e-12;
// Rows rewritten per step of the in-place product: a scratch block of this many rows is all it allocates.
const ROW_BLOCK = 256;

/**
 * An orthonormal basis of m's column space, same shape as m, by Gram-matrix orthonormalisation:
 * G = mᵀm, then m·R⁻¹ from G's Cholesky factor (Cholesky QR), or m·W·Λ^(−1/2) from its
 * eigen-decomposition when Cholesky meets a near-zero pivot (SVQB, Stathopoulos & Wu 2002),
 * which also makes rank-deficient input safe: directions past the numerical rank become zero
 * columns. Both cost two passes over m through the tiled kernels, several times faster in V8 than
 * Gram–Schmidt, which streams the whole matrix once per column. One pass leaves an orthogonality
 * error of about 1e-16 × cond(m)²; `passes: 2` (CholeskyQR2) brings that to rounding level.
 * Works in place, so a 50,000-row block is never held twice; returns m.
 */
export function orthonormalizeColumns(m: DenseMatrix, passes = 1): DenseMatrix {
  for (let pass = 0; pass < passes; pass++) multiplyInPlace(m, orthonormalizingFactor(m));
  return m;
}

/** m ← m·f for a square f, a block of rows at a time (each row of the product needs only its own row of m). */
function multiplyInPlace(m: DenseMatrix, f: DenseMatrix): void {
  const l = m.cols;
  const ft = transpose(f).data;
  const scratch = new Float64Array(Math.min(ROW_BLOCK, m.rows) * l);
  for (let r0 = 0; r0 < m.rows; r0 += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, m.rows - r0);
    const block = scratch.subarray(0, rows * l);
    block.fill(0);
    multiplyTransposedRight(m.data.subarray(r0 * l, (r0 + rows) * l), ft, rows, l, l, block);
    m.data.set(block, r0 * l);
  }
}

/** The l × l matrix M such that m·M has orthonormal (or zero) columns. */
function orthonormalizingFactor(m: DenseMatrix): DenseMatrix {
  const l = m.cols;
  const g = gram(m);
  // Scaling G to a unit diagonal first makes its conditioning that of the directions, not of the column norms.
  let largest = 0;
  for (let i = 0; i < l; i++) largest = Math.max(largest, g.data[i * l + i]!);
  const scale = Float64Array.from({ length: l }, (_, i) => {
    const d = g.data[i * l + i]!;
    return d > EIGEN_FLOOR * largest && d > 0 ? 1 / Math.sqrt(d) : 0;
  });
  for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) g.data[i * l + j]! *= scale[i]! * scale[j]!;

  const factor = inverseCholeskyFactor(g, scale) ?? inverseSquareRoot(g);
  // Rows of the factor for columns scaled by s: M = diag(s)·M'.
  for (let i = 0; i < l; i++) for (let j = 0; j < l; j++) factor.data[i * l + j]! *= scale[i]!;
  return factor;
}

/**
 * R⁻¹ where G = RᵀR (R upper triangular), or undefined when a pivot falls under the floor.
 * Columns scaled to zero (zero input columns) are skipped: they get a zero column in R⁻¹.
 */
function inverseCholeskyFactor(g: DenseMatrix, scale: Float64Array): DenseMatrix | undefined {
  const l = g.rows;
  const r = zeros(l, l);
  for (let j = 0; j < l; j++) {
    if (scale[j] === 0) continue;
    let pivot = g.data[j * l + j]!;
    for (let k = 0; k < j; k++) pivot -= r.data[k * l + j]! ** 2;
    if (!(pivot > CHOLESKY_PIVOT_FLOOR)) return undefined;
    const rjj = Math.sqrt(pivot);
    r.data[j * l + j] = rjj;
    for (let i = j + 1; i < l; i++) {
      let sum = g.data[j * l + i]!;
      for (let k = 0; k < j; k++) sum -= r.data[k * l + j]! * r.data[k * l + i]!;
      r.data[j * l + i] = sum / rjj;
    }
  }
  // Back substitution for R⁻¹, upper triangular too, column by column.
  const inverse = zeros(l, l);
  for (let c = 0; c < l; c++) {
    if (scale[c] === 0) continue;
    for (let i = c; i >= 0; i--) {
      if (scale[i] === 0) continue;
      let sum = i === c ? 1 : 0;
      for (let k = i + 1; k <= c; k++) sum -= r.data[i * l + k]! * inverse.data[k * l + c]!;
      inverse.data[i * l + c] = sum / r.data[i * l + i]!;
    }
  }
  return inverse;
}

/** W·Λ^(−1/2) for G = W·Λ·Wᵀ, dropping eigenvalues under the floor (zero columns). */
function inverseSquareRoot(g: DenseMatrix): DenseMatrix {
  const l = g.rows;
  const { values, vectors } = symmetricEigen(g);
  const top = Math.max(values[0] ?? 0, 0);
  const out = zeros(l, l);
  for (let j = 0; j < l; j++) {
    const lambda = values[j]!;
    if (!(lambda > EIGEN_FLOOR * top)) continue;
    const s = 1 / Math.sqrt(lambda);
    for (let i = 0; i < l; i++) out.data[i * l + j] = vectors.data[i * l + j]! * s;
  }
  return out;
}
