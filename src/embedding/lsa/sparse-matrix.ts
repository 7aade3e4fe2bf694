import { zeros, type DenseMatrix, type LinearOperator } from './dense-matrix.js';

/** One sparse row: column indices (ascending) and their values. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * A sparse matrix in compressed sparse row form, float32 values: a TF-IDF matrix of 50,000
 * abstracts (about 100 distinct terms each) takes some 40 MB. Both products stream the rows once
 * and write dense rows contiguously, so no transposed copy is kept.
 */
export class CsrMatrix implements LinearOperator {
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
    const l = x.cols;
    const out = zeros(this.rows, l);
    for (let r = 0; r < this.rows; r++) {
      const outRow = r * l;
      for (let e = this.rowStarts[r]!; e < this.rowStarts[r + 1]!; e++) {
        const value = this.values[e]!;
        const xRow = this.columnIndices[e]! * l;
        for (let j = 0; j < l; j++) out.data[outRow + j]! += value * x.data[xRow + j]!;
      }
    }
    return out;
  }

  multiplyTransposed(y: DenseMatrix): DenseMatrix {
    if (y.rows !== this.rows) throw new RangeError(`cannot multiply (${this.rows}×${this.cols})ᵀ by ${y.rows}×${y.cols}`);
    const l = y.cols;
    const out = zeros(this.cols, l);
    for (let r = 0; r < this.rows; r++) {
      const yRow = r * l;
      for (let e = this.rowStarts[r]!; e < this.rowStarts[r + 1]!; e++) {
        const value = this.values[e]!;
        const outRow = this.columnIndices[e]! * l;
        for (let j = 0; j < l; j++) out.data[outRow + j]! += value * y.data[yRow + j]!;
      }
    }
    return out;
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
