/**
 * Integer dot products of one int8 vector with many int8 rows, in WebAssembly SIMD: the exact
 * int32 sums `neighbours` bounds its rows with, about 8 dimensions per instruction instead of one.
 *
 * The module is 212 bytes, assembled (wat2wasm, wabt 1.0.37) from this text and checked against
 * the plain JavaScript sums in test/providers/embeddings/word-vectors.test.ts:
 *
 *   (module
 *     (memory (export "memory") 1)
 *     ;; out[j] = sum over 8-byte chunks c < chunks of the int8 dot product of q[8c..8c+8) and
 *     ;; row j's bytes [rows + j*stride + 8c, +8): exact in int32 (|term| <= 2^14, few terms)
 *     (func (export "dots") (param $q i32) (param $rows i32) (param $n i32) (param $stride i32)
 *                           (param $chunks i32) (param $out i32)
 *       (local $j i32) (local $c i32) (local $p i32) (local $qp i32) (local $acc v128)
 *       (block $done
 *         (loop $row
 *           (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
 *           (local.set $acc (v128.const i32x4 0 0 0 0))
 *           (local.set $p (local.get $rows))
 *           (local.set $qp (local.get $q))
 *           (local.set $c (local.get $chunks))
 *           (block $cdone
 *             (loop $chunk
 *               (br_if $cdone (i32.eqz (local.get $c)))
 *               (local.set $acc (i32x4.add (local.get $acc)
 *                 (i32x4.dot_i16x8_s (v128.load8x8_s (local.get $p)) (v128.load8x8_s (local.get $qp)))))
 *               (local.set $p (i32.add (local.get $p) (i32.const 8)))
 *               (local.set $qp (i32.add (local.get $qp) (i32.const 8)))
 *               (local.set $c (i32.sub (local.get $c) (i32.const 1)))
 *               (br $chunk)))
 *           (i32.store (local.get $out) (i32.add
 *             (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
 *             (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
 *           (local.set $rows (i32.add (local.get $rows) (local.get $stride)))
 *           (local.set $out (i32.add (local.get $out) (i32.const 4)))
 *           (local.set $j (i32.add (local.get $j) (i32.const 1)))
 *           (br $row)))))
 *
 * A row's last chunk reads up to 7 bytes past it (into the next row, or the slack after the last);
 * the query is zero-padded to whole chunks, so those bytes add nothing.
 */
const DOTS_WASM =
  'AGFzbQEAAAABCgFgBn9/f39/fwADAgEABQMBAAEHEQIGbWVtb3J5AgAEZG90cwAACqEBAZ4BAgR/AXsCQANAIAYgAk8NAf0MAAAAAAAAAAAAAAAAAAAAACEKIAEhCCAAIQkgBCEHAkADQCAHRQ0BIAogCP0BAwAgCf0BAwD9ugH9rgEhCiAIQQhqIQggCUEIaiEJIAdBAWshBwwACwsgBSAK/RsAIAr9GwFqIAr9GwIgCv0bA2pqNgIAIAEgA2ohASAFQQRqIQUgBkEBaiEGDAALCws=';

type DotsFn = (q: number, rows: number, n: number, stride: number, chunks: number, out: number) => void;

const PAGE = 65_536;
const align = (n: number, to: number) => Math.ceil(n / to) * to;

/** The first `n` rows of an int8 table of `dim` columns, copied into WebAssembly memory once. */
export class SimdDots {
  private constructor(
    readonly n: number,
    private readonly dim: number,
    private readonly chunks: number,
    private readonly dots: DotsFn,
    private readonly query: Int8Array,
    private readonly out: Int32Array,
    private readonly rowsAt: number,
  ) {}

  /** null where WebAssembly SIMD is not available or its memory cannot be had (the caller keeps its JavaScript scan) */
  static create(table: Int8Array, dim: number, n: number): SimdDots | null {
    try {
      return SimdDots.build(table, dim, n);
    } catch {
      // e.g. a process whose address space is capped (ulimit -v) cannot reserve WebAssembly memory
      return null;
    }
  }

  private static build(table: Int8Array, dim: number, n: number): SimdDots | null {
    const bytes = Buffer.from(DOTS_WASM, 'base64');
    if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(bytes)) return null;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    const memory = instance.exports.memory as WebAssembly.Memory;
    const chunks = Math.ceil(dim / 8);
    const queryAt = 0;
    const outAt = align(chunks * 8, 16);
    const rowsAt = align(outAt + n * 4, 16);
    const end = rowsAt + n * dim + 16;
    const pages = Math.ceil(end / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) memory.grow(pages);
    // views after growing (growing detaches the old buffer); the memory never grows again
    const buffer = memory.buffer;
    new Int8Array(buffer, rowsAt, n * dim).set(table.subarray(0, n * dim));
    return new SimdDots(n, dim, chunks, instance.exports.dots as DotsFn, new Int8Array(buffer, queryAt, chunks * 8), new Int32Array(buffer, outAt, n), rowsAt);
  }

  /** q · row j for every j < n, exact; the array is overwritten by the next call */
  run(q: Int8Array): Int32Array {
    this.query.fill(0);
    this.query.set(q.subarray(0, this.dim));
    this.dots(this.query.byteOffset, this.rowsAt, this.n, this.dim, this.chunks, this.out.byteOffset);
    return this.out;
  }
}
