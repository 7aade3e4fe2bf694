import { dotScan, plainMemory, type DotScan, type WasmMemory } from './dot-scan-wasm.js';

const PAGE_BYTES = 65_536;

/**
 * Unit vectors of one size, end to end in one block of memory by slot, so that their dot products
 * with a query come from one pass over it: in WebAssembly SIMD where the runtime has it and the
 * size is a multiple of 4 (about 0.6 ms for 20,000 vectors of 256 dimensions, against 4.7 ms for
 * the same loop over separate arrays in JavaScript), else in JavaScript over the same memory.
 *
 * Layout, in float32s: the query at 0, slot `s` at `rowAt(s)` (the query's size rounded up to 4,
 * plus `s × dims`), and the scores after the last slot handed out. Slots let go are handed out
 * again first; `moveSlot` lets the owner pack them (see `RecentRows`).
 */
export class VectorSlab {
  private readonly wasm: DotScan | undefined;
  private readonly memory: WasmMemory;
  private floats: Float32Array;
  private dims = 0;
  private used = 0;
  private readonly free: number[] = [];

  constructor(options: { wasm?: boolean } = {}) {
    this.wasm = options.wasm === false ? undefined : dotScan();
    this.memory = this.wasm?.memory ?? plainMemory();
    this.floats = new Float32Array(this.memory.buffer);
  }

  /** Slots handed out so far, free ones included: what a scan reads. */
  get slots(): number {
    return this.used;
  }

  /** Slots let go and not handed out again. */
  get freeSlots(): number {
    return this.free.length;
  }

  /** Whether scans run in WebAssembly (tests check which path ran). */
  get simd(): boolean {
    return this.wasm !== undefined && this.dims % 4 === 0;
  }

  /**
   * Stores `vector` scaled to length 1 (a zero vector stays zero, so it scores 0 against any
   * query) and returns its slot.
   * @throws Error for a vector of another size than the slab's while it holds any
   */
  put(vector: Float32Array): number {
    if (this.used === 0) this.dims = vector.length;
    if (vector.length !== this.dims) throw new Error(`a vector of ${vector.length} dimensions in a slab of ${this.dims}`);
    const slot = this.free.pop() ?? this.used++;
    this.reserve(this.used);
    this.floats.set(unitVector(vector), this.rowAt(slot));
    return slot;
  }

  /** Lets a slot go: it is handed out again by a later `put`. */
  release(slot: number): void {
    this.free.push(slot);
  }

  /** Copies slot `from` into slot `to`; `to` must be free or released after (see `packTo`). */
  moveSlot(from: number, to: number): void {
    if (from === to) return;
    const at = this.rowAt(from);
    this.floats.copyWithin(this.rowAt(to), at, at + this.dims);
  }

  /** After the owner moved its live slots into 0…count−1: those are the only slots, none free. */
  packTo(count: number): void {
    this.used = count;
    this.free.length = 0;
  }

  clear(): void {
    this.packTo(0);
  }

  /**
   * The dot product of every slot with the unit vector `query`, by slot (free slots hold what was
   * last there). The view is valid until the next `put`.
   */
  scores(query: Float32Array): Float32Array {
    const { dims, used } = this;
    if (used === 0) return new Float32Array(0);
    this.floats.set(query, 0);
    const out = this.rowAt(used);
    if (this.simd) {
      this.wasm!.scores(0, this.rowAt(0) * 4, used, dims, out * 4);
    } else {
      for (let slot = 0; slot < used; slot++) this.floats[out + slot] = this.jsDot(slot, query);
    }
    return this.floats.subarray(out, out + used);
  }

  /** One slot's dot product with the unit vector `query`, computed as `scores` computes it (bit for bit). */
  dot(slot: number, query: Float32Array): number {
    // Rounded as the scores array rounds it.
    if (!this.simd) return Math.fround(this.jsDot(slot, query));
    this.floats.set(query, 0);
    const out = this.rowAt(this.used);
    this.wasm!.scores(0, this.rowAt(slot) * 4, 1, this.dims, out * 4);
    return this.floats[out]!;
  }

  private jsDot(slot: number, query: Float32Array): number {
    const f = this.floats;
    const at = this.rowAt(slot);
    // Four running sums: one would wait on each add.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 3 < query.length; i += 4) {
      s0 += f[at + i]! * query[i]!;
      s1 += f[at + i + 1]! * query[i + 1]!;
      s2 += f[at + i + 2]! * query[i + 2]!;
      s3 += f[at + i + 3]! * query[i + 3]!;
    }
    for (; i < query.length; i++) s0 += f[at + i]! * query[i]!;
    return s0 + s1 + s2 + s3;
  }

  /** Where a slot's row starts: rows follow the query, from a 16-byte boundary. */
  private rowAt(slot: number): number {
    return Math.ceil(this.dims / 4) * 4 + slot * this.dims;
  }

  /** Grows the memory to hold `slots` rows and their scores. */
  private reserve(slots: number): void {
    const bytes = (this.rowAt(slots) + slots) * 4;
    if (bytes <= this.memory.buffer.byteLength) return;
    const pages = this.memory.buffer.byteLength / PAGE_BYTES;
    // By half again at least: a slab filled row by row grows a few dozen times, not once per page.
    this.memory.grow(Math.max(Math.ceil(bytes / PAGE_BYTES) - pages, Math.ceil(pages / 2)));
    // Growing detaches the old buffer.
    this.floats = new Float32Array(this.memory.buffer);
  }
}

/** The vector scaled to length 1 (all zeros stays all zeros), so a dot product of two is their cosine. */
export function unitVector(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  const out = new Float32Array(vector.length);
  if (norm === 0) return out;
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * scale;
  return out;
}
