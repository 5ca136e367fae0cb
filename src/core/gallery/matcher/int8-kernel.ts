/**
 * The matcher's hot loop: int8 rows times an int16 query, one int32 dot product per row. It runs
 * as a small WebAssembly SIMD function (16 lanes per step) and falls back to plain JavaScript
 * where WebAssembly SIMD is missing. Rows live in the kernel's memory so a search copies nothing.
 *
 * Memory layout: [query: int16 x stride] [rows: int8 x stride x capacity] [scores: int32 x capacity]
 */

/** Bytes per row: the embedding size rounded up to the 16-lane SIMD width (padding is zeros). */
export function rowStride(dim: number): number {
  return Math.ceil(dim / 16) * 16;
}

export interface Int8Kernel {
  readonly kind: 'wasm-simd' | 'js';
  readonly stride: number;
  readonly capacity: number;
  /** Makes room for at least `rows` rows, keeping the rows already stored. */
  reserve(rows: number): void;
  /** The stored rows (stride bytes each). Views are invalidated by reserve(). */
  rows(): Int8Array;
  /** The query buffer (stride int16 values). */
  query(): Int16Array;
  /** Computes scores[r] = rows[r] . query for r < count and returns the scores view. */
  run(count: number): Int32Array;
  /** Bytes held. */
  bytes(): number;
}

export function createInt8Kernel(dim: number, kind: 'auto' | 'js' = 'auto'): Int8Kernel {
  const stride = rowStride(dim);
  if (kind === 'auto' && wasmSimdModule()) return new WasmKernel(stride);
  return new JsKernel(stride);
}

const page = 65536;

/** The slice of the WebAssembly JS API used here (this project's TypeScript libs omit the DOM's). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

class WasmKernel implements Int8Kernel {
  readonly kind = 'wasm-simd' as const;
  capacity = 0;
  private readonly memory: WasmMemory;
  private readonly dot: (rows: number, n: number, stride: number, query: number, out: number) => void;
  private readonly rowsOffset: number;

  constructor(readonly stride: number) {
    this.memory = new wasm!.Memory({ initial: 1 });
    const instance = new wasm!.Instance(wasmSimdModule()!, { env: { memory: this.memory } });
    this.dot = instance.exports.dot as WasmKernel['dot'];
    this.rowsOffset = Math.ceil((stride * 2) / 16) * 16;
  }

  private get scoresOffset(): number {
    return this.rowsOffset + this.capacity * this.stride;
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.max(rows, Math.ceil(this.capacity * 1.5), 1024);
    const needed = this.rowsOffset + capacity * this.stride + capacity * 4;
    const have = this.memory.buffer.byteLength;
    if (needed > have) this.memory.grow(Math.ceil((needed - have) / page));
    this.capacity = capacity;
  }

  rows(): Int8Array {
    return new Int8Array(this.memory.buffer, this.rowsOffset, this.capacity * this.stride);
  }

  query(): Int16Array {
    return new Int16Array(this.memory.buffer, 0, this.stride);
  }

  run(count: number): Int32Array {
    if (count > 0) this.dot(this.rowsOffset, count, this.stride, 0, this.scoresOffset);
    return new Int32Array(this.memory.buffer, this.scoresOffset, this.capacity);
  }

  bytes(): number {
    return this.memory.buffer.byteLength;
  }
}

class JsKernel implements Int8Kernel {
  readonly kind = 'js' as const;
  capacity = 0;
  private data = new Int8Array(0);
  private scores = new Int32Array(0);
  private readonly q: Int16Array;

  constructor(readonly stride: number) {
    this.q = new Int16Array(stride);
  }

  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.max(rows, Math.ceil(this.capacity * 1.5), 1024);
    const data = new Int8Array(capacity * this.stride);
    data.set(this.data);
    this.data = data;
    this.scores = new Int32Array(capacity);
    this.capacity = capacity;
  }

  rows(): Int8Array {
    return this.data;
  }

  query(): Int16Array {
    return this.q;
  }

  run(count: number): Int32Array {
    const { data, q, stride, scores } = this;
    for (let r = 0, o = 0; r < count; r++, o += stride) {
      let s0 = 0;
      let s1 = 0;
      for (let j = 0; j < stride; j += 2) {
        s0 += data[o + j] * q[j];
        s1 += data[o + j + 1] * q[j + 1];
      }
      scores[r] = s0 + s1;
    }
    return scores;
  }

  bytes(): number {
    return this.data.byteLength + this.scores.byteLength + this.q.byteLength;
  }
}

let compiled: object | null | undefined;

/** The compiled kernel, or null where this runtime lacks WebAssembly SIMD. */
function wasmSimdModule(): object | null {
  if (compiled === undefined) {
    try {
      const bytes = dotModuleBytes();
      compiled = wasm && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled ?? null;
}

// --- A hand-assembled module (no toolchain needed): -----------------------------------------
// (func $dot (param $rows i32) (param $n i32) (param $stride i32) (param $q i32) (param $out i32)
//   for r in 0..n: acc = 0
//     for j in 0..stride step 16: v = load128(rows + j)
//       acc += dot_i16x8(extend_low(v), load128(q + 2j)) + dot_i16x8(extend_high(v), load128(q + 2j + 16))
//     out[r] = acc.lane0 + acc.lane1 + acc.lane2 + acc.lane3; rows += stride
// Products are at most 127 * 127 and a lane adds stride / 4 of them: no int32 overflow below
// about 500,000 dimensions.

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Buffer.from(text, 'ascii')];
}

const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Store: 0x36,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Shl: 0x74,
  void: 0x40,
  i32: 0x7f,
  v128: 0x7b,
};
const simd = (code: number): number[] => [0xfd, ...uleb(code)];
const v128Load = (offset: number): number[] => [...simd(0x00), 0, ...uleb(offset)];
const v128Zero = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const i16x8ExtendLowI8x16S = simd(0x87);
const i16x8ExtendHighI8x16S = simd(0x88);
const i32x4DotI16x8S = simd(0xba);
const i32x4Add = simd(0xae);
const i32x4ExtractLane = (lane: number): number[] => [...simd(0x1b), lane];
const get = (i: number): number[] => [op.localGet, ...uleb(i)];
const set = (i: number): number[] => [op.localSet, ...uleb(i)];
const tee = (i: number): number[] => [op.localTee, ...uleb(i)];
const constI32 = (v: number): number[] => [op.i32Const, ...uleb(v)]; // small non-negative values only

function dotModuleBytes(): Uint8Array {
  const [rows, n, stride, q, out, r, j, acc, v] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const queryAt = (offset: number): number[] => [
    ...get(q),
    ...get(j),
    ...constI32(1),
    op.i32Shl,
    op.i32Add,
    ...v128Load(offset),
  ];
  const body = [
    op.block,
    op.void,
    ...get(n),
    op.i32Eqz,
    op.brIf,
    0,
    op.loop,
    op.void,
    ...v128Zero,
    ...set(acc),
    ...constI32(0),
    ...set(j),
    op.loop,
    op.void,
    ...get(rows),
    ...get(j),
    op.i32Add,
    ...v128Load(0),
    ...set(v),
    ...get(acc),
    ...get(v),
    ...i16x8ExtendLowI8x16S,
    ...queryAt(0),
    ...i32x4DotI16x8S,
    ...i32x4Add,
    ...get(v),
    ...i16x8ExtendHighI8x16S,
    ...queryAt(16),
    ...i32x4DotI16x8S,
    ...i32x4Add,
    ...set(acc),
    ...get(j),
    ...constI32(16),
    op.i32Add,
    ...tee(j),
    ...get(stride),
    op.i32LtU,
    op.brIf,
    0,
    op.end,
    ...get(out),
    ...get(r),
    ...constI32(2),
    op.i32Shl,
    op.i32Add,
    ...get(acc),
    ...i32x4ExtractLane(0),
    ...get(acc),
    ...i32x4ExtractLane(1),
    op.i32Add,
    ...get(acc),
    ...i32x4ExtractLane(2),
    op.i32Add,
    ...get(acc),
    ...i32x4ExtractLane(3),
    op.i32Add,
    op.i32Store,
    2,
    0,
    ...get(rows),
    ...get(stride),
    op.i32Add,
    ...set(rows),
    ...get(r),
    ...constI32(1),
    op.i32Add,
    ...tee(r),
    ...get(n),
    op.i32LtU,
    op.brIf,
    0,
    op.end,
    op.end,
    op.end,
  ];
  const locals = vector([
    [2, op.i32],
    [2, op.v128],
  ]);
  const code = [...locals, ...body];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, ...vector([[op.i32], [op.i32], [op.i32], [op.i32], [op.i32]]), 0]])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vector([[0]])),
    ...section(7, vector([[...name('dot'), 0x00, 0x00]])),
    ...section(10, vector([[...uleb(code.length), ...code]])),
  ]);
}
