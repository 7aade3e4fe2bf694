import { gramOfRows, multiplyTransposedRight } from './dense-kernels.js';
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

/** a × b, through the tiled kernel (b is transposed first, so both operands stream along rows). */
export function multiply(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  if (a.cols !== b.rows) throw new RangeError(`cannot multiply ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
  const out = zeros(a.rows, b.cols);
  multiplyTransposedRight(a.data, transpose(b).data, a.rows, b.cols, a.cols, out.data);
  return out;
}

/** mᵀ × m, the Gram matrix of m's columns (symmetric). */
export function gram(m: DenseMatrix): DenseMatrix {
  return { rows: m.cols, cols: m.cols, data: gramOfRows(m.data, m.rows, m.cols) };
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
