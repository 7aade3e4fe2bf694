import type { SeededRandom } from './seeded-random.js';

/** A dense matrix of float64, row-major: entry (i, j) is `data[i * cols + j]`. */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/**
 * A matrix known only through its products with dense blocks: what the randomized SVD needs,
 * whether the matrix is sparse (TF-IDF) or dense (tests).
 */
export interface LinearOperator {
  readonly rows: number;
  readonly cols: number;
  /** This matrix times `x` (`cols` × l): `rows` × l. */
  multiply(x: DenseMatrix): DenseMatrix;
  /** This matrix transposed times `y` (`rows` × l): `cols` × l. */
  multiplyTransposed(y: DenseMatrix): DenseMatrix;
}

/** A zero matrix. */
export function zeros(rows: number, cols: number): DenseMatrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** A matrix of independent standard normal entries. */
export function gaussianMatrix(rows: number, cols: number, random: SeededRandom): DenseMatrix {
  const m = zeros(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = random.nextNormal();
  return m;
}

/** The transpose. */
export function transpose(m: DenseMatrix): DenseMatrix {
  const out = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) out.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  }
  return out;
}

/** a × b. Row-major loops in i-k-j order, so the innermost loop runs over contiguous memory. */
export function multiply(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  if (a.cols !== b.rows) throw new RangeError(`cannot multiply ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
  const out = zeros(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    const outRow = i * n;
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k]!;
      if (aik === 0) continue;
      const bRow = k * n;
      for (let j = 0; j < n; j++) out.data[outRow + j]! += aik * b.data[bRow + j]!;
    }
  }
  return out;
}

/** mᵀ × m, the Gram matrix of m's columns (symmetric). */
export function gram(m: DenseMatrix): DenseMatrix {
  const l = m.cols;
  const out = zeros(l, l);
  // Accumulating one row's outer product at a time reads m once, in order.
  for (let r = 0; r < m.rows; r++) {
    const base = r * l;
    for (let i = 0; i < l; i++) {
      const v = m.data[base + i]!;
      if (v === 0) continue;
      const outRow = i * l;
      for (let j = i; j < l; j++) out.data[outRow + j]! += v * m.data[base + j]!;
    }
  }
  for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) out.data[i * l + j] = out.data[j * l + i]!;
  return out;
}

/** A dense matrix as a `LinearOperator`. */
export function denseOperator(m: DenseMatrix): LinearOperator {
  return {
    rows: m.rows,
    cols: m.cols,
    multiply: (x) => multiply(m, x),
    multiplyTransposed: (y) => multiply(transpose(m), y),
  };
}

// Below this share of its norm before projection, what is left of a column is rounding noise.
const RANK_DEFICIENCY_TOLERANCE = 1e-10;

/**
 * An orthonormal basis of m's column space, same shape as m: classical Gram–Schmidt applied twice
 * per column (CGS2), which is as orthogonal as Householder QR in practice and reads whole columns
 * contiguously once transposed. A column that lies in the span of those before it becomes zero,
 * so rank-deficient input is safe.
 */
export function orthonormalizeColumns(m: DenseMatrix): DenseMatrix {
  const n = m.rows;
  const columns = transpose(m); // each column of m is now a contiguous row
  const q = columns.data;
  const dots = new Float64Array(m.cols);
  for (let c = 0; c < m.cols; c++) {
    const col = c * n;
    const originalNorm = Math.sqrt(dotRows(q, col, col, n));
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) dots[p] = dotRows(q, p * n, col, n);
      for (let p = 0; p < c; p++) {
        const d = dots[p]!;
        if (d === 0) continue;
        const prev = p * n;
        for (let i = 0; i < n; i++) q[col + i]! -= d * q[prev + i]!;
      }
    }
    const norm = Math.sqrt(dotRows(q, col, col, n));
    const scale = norm > RANK_DEFICIENCY_TOLERANCE * originalNorm && norm > 0 ? 1 / norm : 0;
    for (let i = 0; i < n; i++) q[col + i]! *= scale;
  }
  return transpose(columns);
}

function dotRows(data: Float64Array, a: number, b: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += data[a + i]! * data[b + i]!;
  return sum;
}
