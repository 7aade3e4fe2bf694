/**
 * A WebAssembly module of one function, `scores(query, rows, count, dims, out)`: for each of
 * `count` rows of `dims` float32s laid end to end from byte `rows`, its dot product with the
 * `dims` float32s at byte `query`, as a float32 at `out` + 4 × row. Four lanes at a time
 * (WebAssembly SIMD): V8 does not vectorize the same loop in JavaScript, which took a quarter of
 * the event loop's time during an import at a million papers (bench/search). `dims` must be a
 * multiple of 4. The memory is the module's own, exported as `memory`.
 *
 * Assembled here rather than compiled, so that nothing outside npm is needed to build it. The
 * text form, for reading:
 *
 *   (func (export "scores") (param $q i32) (param $m i32) (param $rows i32) (param $dims i32) (param $out i32)
 *     (local $r i32) (local $i i32) (local $end i32) (local $acc v128)
 *     (local.set $end (i32.shl (local.get $dims) (i32.const 2)))
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $r) (local.get $rows)))
 *       (local.set $acc (v128.const i32x4 0 0 0 0))
 *       (local.set $i (i32.const 0))
 *       (block (loop
 *         (br_if 1 (i32.ge_u (local.get $i) (local.get $end)))
 *         (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
 *           (v128.load (i32.add (local.get $q) (local.get $i)))
 *           (v128.load (i32.add (local.get $m) (local.get $i))))))
 *         (local.set $i (i32.add (local.get $i) (i32.const 16)))
 *         (br 0)))
 *       (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
 *         (f32.add (f32.add (lane 0) (lane 1)) (f32.add (lane 2) (lane 3))))
 *       (local.set $m (i32.add (local.get $m) (local.get $end)))
 *       (local.set $r (i32.add (local.get $r) (i32.const 1)))
 *       (br 0))))
 */
const HEAD = [
  // magic, version
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // type section: (i32 i32 i32 i32 i32) -> ()
  0x01, 0x09, 0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00,
  // function section: one function of type 0
  0x03, 0x02, 0x01, 0x00,
  // memory section: one memory, at least 1 page
  0x05, 0x03, 0x01, 0x00, 0x01,
  // export section: "memory" (memory 0), "scores" (function 0)
  0x07, 0x13, 0x02,
  0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x00,
  0x06, 0x73, 0x63, 0x6f, 0x72, 0x65, 0x73, 0x00, 0x00,
];

/** The function's body: its locals, then its code. */
const BODY = [
  // locals: 3 × i32 ($r $i $end), 1 × v128 ($acc)
  0x02, 0x03, 0x7f, 0x01, 0x7b,
  // $end = $dims << 2
  0x20, 0x03, 0x41, 0x02, 0x74, 0x21, 0x07,
  0x02, 0x40, 0x03, 0x40,
  //   br_if 1 ($r >= $rows)
  0x20, 0x05, 0x20, 0x02, 0x4f, 0x0d, 0x01,
  //   $acc = 0
  0xfd, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21, 0x08,
  //   $i = 0
  0x41, 0x00, 0x21, 0x06,
  0x02, 0x40, 0x03, 0x40,
  //     br_if 1 ($i >= $end)
  0x20, 0x06, 0x20, 0x07, 0x4f, 0x0d, 0x01,
  //     $acc += load($q + $i) * load($m + $i)
  0x20, 0x08,
  0x20, 0x00, 0x20, 0x06, 0x6a, 0xfd, 0x00, 0x00, 0x00,
  0x20, 0x01, 0x20, 0x06, 0x6a, 0xfd, 0x00, 0x00, 0x00,
  0xfd, 0xe6, 0x01, 0xfd, 0xe4, 0x01, 0x21, 0x08,
  //     $i += 16; br 0
  0x20, 0x06, 0x41, 0x10, 0x6a, 0x21, 0x06, 0x0c, 0x00,
  0x0b, 0x0b,
  //   store($out + ($r << 2), sum of $acc's lanes)
  0x20, 0x04, 0x20, 0x05, 0x41, 0x02, 0x74, 0x6a,
  0x20, 0x08, 0xfd, 0x1f, 0x00, 0x20, 0x08, 0xfd, 0x1f, 0x01, 0x92,
  0x20, 0x08, 0xfd, 0x1f, 0x02, 0x20, 0x08, 0xfd, 0x1f, 0x03, 0x92, 0x92,
  0x38, 0x02, 0x00,
  //   $m += $end; $r += 1; br 0
  0x20, 0x01, 0x20, 0x07, 0x6a, 0x21, 0x01,
  0x20, 0x05, 0x41, 0x01, 0x6a, 0x21, 0x05, 0x0c, 0x00,
  0x0b, 0x0b,
  0x0b,
];

/** Unsigned LEB128, as the binary format writes sizes. */
function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const FUNCTION_BODY = [...leb128(BODY.length), ...BODY];
const CODE_SECTION = [0x01, ...FUNCTION_BODY];
const MODULE_BYTES = new Uint8Array([...HEAD, 0x0a, ...leb128(CODE_SECTION.length), ...CODE_SECTION]);

/** A WebAssembly memory: what this project uses of it. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The module's exports. */
export interface DotScan {
  readonly memory: WasmMemory;
  scores(query: number, rows: number, count: number, dims: number, out: number): void;
}

// The ES and Node type libraries this project compiles against do not declare WebAssembly's classes.
const wasm = (globalThis as unknown as {
  WebAssembly: {
    validate(bytes: Uint8Array): boolean;
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object) => { exports: unknown };
    Memory: new (descriptor: { initial: number }) => WasmMemory;
  };
}).WebAssembly;

let compiled: object | null | undefined;

/** A new instance with its own memory, or undefined where this runtime has no WebAssembly SIMD. */
export function dotScan(): DotScan | undefined {
  if (compiled === undefined) compiled = wasm.validate(MODULE_BYTES) ? new wasm.Module(MODULE_BYTES) : null;
  if (compiled === null) return undefined;
  return new wasm.Instance(compiled).exports as DotScan;
}

/** A memory of one page, for the same layout without the module. */
export function plainMemory(): WasmMemory {
  return new wasm.Memory({ initial: 1 });
}
