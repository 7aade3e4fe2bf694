import { zeros, type DenseMatrix, type LinearOperator } from './dense-matrix.js';

/** One sparse row: column indices (ascending) and their values. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * A sparse matrix in compressed sparse row form, float32 values: a TF-IDF matrix of 50,000
 * abstracts (about 100 distinct terms each) takes some 40 MB. Products with dense blocks gather
 * rows of the dense operand into contiguous output rows; the transposed product gathers the same
 * way through a transposed copy, built on first use (as much memory again), because scattering
 * into the output instead runs at half the speed.
 */
export class CsrMatrix implements LinearOperator {
  private transposeCache: CsrMatrix | undefined;

  constructor(
    readonly rows: number,
    readonly cols: number,
    /** Row i's entries are at [rowStarts[i], rowStarts[i + 1]). */
    readonly rowStarts: Int32Array,
    readonly columnIndices: Int32Array,
    readonly values: Float32Array,
  ) {}

  /** Stored entries. */
  get nonZeros(): number {
    return this.rowStarts[this.rows]!;
  }

  multiply(x: DenseMatrix): DenseMatrix {
    if (x.rows !== this.cols) throw new RangeError(`cannot multiply ${this.rows}×${this.cols} by ${x.rows}×${x.cols}`);
    const out = zeros(this.rows, x.cols);
    gatherRows(this, x.data, x.cols, out.data);
    return out;
  }

  multiplyTransposed(y: DenseMatrix): DenseMatrix {
    if (y.rows !== this.rows) throw new RangeError(`cannot multiply (${this.rows}×${this.cols})ᵀ by ${y.rows}×${y.cols}`);
    return this.transposed().multiply(y);
  }

  /** The transpose, in CSR form itself (the CSC form of this matrix); cached. */
  transposed(): CsrMatrix {
    if (this.transposeCache) return this.transposeCache;
    const starts = new Int32Array(this.cols + 1);
    for (let e = 0; e < this.nonZeros; e++) starts[this.columnIndices[e]! + 1]!++;
    for (let c = 0; c < this.cols; c++) starts[c + 1]! += starts[c]!;
    const next = starts.slice(0, this.cols);
    const indices = new Int32Array(this.nonZeros);
    const values = new Float32Array(this.nonZeros);
    // Rows are visited in order, so each transposed row comes out sorted.
    for (let r = 0; r < this.rows; r++) {
      for (let e = this.rowStarts[r]!; e < this.rowStarts[r + 1]!; e++) {
        const slot = next[this.columnIndices[e]!]!++;
        indices[slot] = r;
        values[slot] = this.values[e]!;
      }
    }
    this.transposeCache = new CsrMatrix(this.cols, this.rows, starts, indices, values);
    this.transposeCache.transposeCache = this;
    return this.transposeCache;
  }
}

/**
 * out (rows × l) = a · x, row by row: each output row is a weighted sum of rows of x. Entries are
 * taken four at a time so each output element is loaded and stored once per four multiply-adds.
 */
function gatherRows(a: CsrMatrix, x: Float64Array, l: number, out: Float64Array): void {
  const { rowStarts, columnIndices: cols, values } = a;
  for (let r = 0; r < a.rows; r++) {
    const o = r * l;
    const end = rowStarts[r + 1]!;
    let e = rowStarts[r]!;
    for (; e + 3 < end; e += 4) {
      const v0 = values[e]!, v1 = values[e + 1]!, v2 = values[e + 2]!, v3 = values[e + 3]!;
      const x0 = cols[e]! * l, x1 = cols[e + 1]! * l, x2 = cols[e + 2]! * l, x3 = cols[e + 3]! * l;
      for (let j = 0; j < l; j++) out[o + j]! += v0 * x[x0 + j]! + v1 * x[x1 + j]! + v2 * x[x2 + j]! + v3 * x[x3 + j]!;
    }
    for (; e < end; e++) {
      const v = values[e]!;
      const x0 = cols[e]! * l;
      for (let j = 0; j < l; j++) out[o + j]! += v * x[x0 + j]!;
    }
  }
}

/** Builds a `CsrMatrix` row by row, growing its arrays by doubling. */
export class CsrBuilder {
  private rowStarts: number[] = [0];
  private indices = new Int32Array(1024);
  private values = new Float32Array(1024);
  private size = 0;

  constructor(private readonly cols: number) {}

  /** Appends a row. */
  addRow(row: SparseVector): void {
    const needed = this.size + row.indices.length;
    if (needed > this.indices.length) {
      let capacity = this.indices.length;
      while (capacity < needed) capacity *= 2;
      const indices = new Int32Array(capacity);
      indices.set(this.indices.subarray(0, this.size));
      const values = new Float32Array(capacity);
      values.set(this.values.subarray(0, this.size));
      this.indices = indices;
      this.values = values;
    }
    this.indices.set(row.indices, this.size);
    this.values.set(row.values, this.size);
    this.size = needed;
    this.rowStarts.push(needed);
  }

  /** The matrix, with its arrays trimmed to size. */
  build(): CsrMatrix {
    return new CsrMatrix(
      this.rowStarts.length - 1,
      this.cols,
      Int32Array.from(this.rowStarts),
      this.indices.slice(0, this.size),
      this.values.slice(0, this.size),
    );
  }
}
