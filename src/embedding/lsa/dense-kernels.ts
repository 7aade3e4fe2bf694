/*
 * The two dense products the randomized SVD spends its time in, written for V8: 4 × 4 register
 * tiles (16 accumulators, 16 multiply-adds per 8 loads) over blocks small enough for L2. On the
 * 2-core EPYC this runs at about 0.9 GMAC/s, against 0.3 for the plain triple loop, which is
 * bound by loads and stores of the output.
 */

// Rows of the tall matrix processed per block: 64 rows of a few hundred float64 fit in L2.
const ROW_BLOCK = 64;
// Length of the inner dimension per block in `multiplyTransposedRight`.
const INNER_BLOCK = 256;

/**
 * out (I × J) += p (I × K) · qᵀ, where q is J × K; all row-major. Both operands are read along
 * their rows, so every stream in the inner loop is contiguous.
 */
export function multiplyTransposedRight(p: Float64Array, q: Float64Array, I: number, J: number, K: number, out: Float64Array): void {
  const I4 = I - (I % 4);
  const J4 = J - (J % 4);
  for (let k0 = 0; k0 < K; k0 += INNER_BLOCK) {
    const k1 = Math.min(K, k0 + INNER_BLOCK);
    for (let i = 0; i < I4; i += 4) {
      const p0 = i * K;
      const p1 = p0 + K;
      const p2 = p1 + K;
      const p3 = p2 + K;
      for (let j = 0; j < J4; j += 4) {
        const q0 = j * K;
        const q1 = q0 + K;
        const q2 = q1 + K;
        const q3 = q2 + K;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let k = k0; k < k1; k++) {
          const a0 = p[p0 + k]!, a1 = p[p1 + k]!, a2 = p[p2 + k]!, a3 = p[p3 + k]!;
          const b0 = q[q0 + k]!, b1 = q[q1 + k]!, b2 = q[q2 + k]!, b3 = q[q3 + k]!;
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
          c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        let o = i * J + j;
        out[o]! += c00; out[o + 1]! += c01; out[o + 2]! += c02; out[o + 3]! += c03;
        o += J;
        out[o]! += c10; out[o + 1]! += c11; out[o + 2]! += c12; out[o + 3]! += c13;
        o += J;
        out[o]! += c20; out[o + 1]! += c21; out[o + 2]! += c22; out[o + 3]! += c23;
        o += J;
        out[o]! += c30; out[o + 1]! += c31; out[o + 2]! += c32; out[o + 3]! += c33;
      }
    }
  }
  // The edges the 4 × 4 tiles leave: rows past I4 against every column, columns past J4 against the rest.
  for (let i = 0; i < I; i++) {
    for (let j = i < I4 ? J4 : 0; j < J; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += p[i * K + k]! * q[j * K + k]!;
      out[i * J + j]! += sum;
    }
  }
}

/**
 * The Gram matrix mᵀ·m (l × l, symmetric) of a row-major rows × l matrix, read in blocks of
 * ROW_BLOCK rows; only tiles on or above the diagonal are computed, then mirrored.
 */
export function gramOfRows(m: Float64Array, rows: number, l: number): Float64Array {
  const out = new Float64Array(l * l);
  const l4 = l - (l % 4);
  for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
    const r1 = Math.min(rows, r0 + ROW_BLOCK);
    for (let i = 0; i < l4; i += 4) {
      for (let j = i; j < l4; j += 4) {
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let r = r0; r < r1; r++) {
          const bi = r * l + i;
          const bj = r * l + j;
          const a0 = m[bi]!, a1 = m[bi + 1]!, a2 = m[bi + 2]!, a3 = m[bi + 3]!;
          const b0 = m[bj]!, b1 = m[bj + 1]!, b2 = m[bj + 2]!, b3 = m[bj + 3]!;
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
          c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        let o = i * l + j;
        out[o]! += c00; out[o + 1]! += c01; out[o + 2]! += c02; out[o + 3]! += c03;
        o += l;
        out[o]! += c10; out[o + 1]! += c11; out[o + 2]! += c12; out[o + 3]! += c13;
        o += l;
        out[o]! += c20; out[o + 1]! += c21; out[o + 2]! += c22; out[o + 3]! += c23;
        o += l;
        out[o]! += c30; out[o + 1]! += c31; out[o + 2]! += c32; out[o + 3]! += c33;
      }
    }
    // Columns past l4, against every column up to them.
    for (let j = l4; j < l; j++) {
      for (let i = 0; i <= j; i++) {
        let sum = 0;
        for (let r = r0; r < r1; r++) sum += m[r * l + i]! * m[r * l + j]!;
        out[i * l + j]! += sum;
      }
    }
  }
  for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) out[i * l + j] = out[j * l + i]!;
  return out;
}
