import { readFile } from 'node:fs/promises';
import { PieceIndex } from './piece-index.js';
import { MAX_PIECE } from './segment.js';
import type { Vocabulary } from './segment.js';
import { SimdDots } from './simd-dots.js';

/**
 * A table of pretrained word vectors in the compact binary form `convert.ts` writes: unit-length
 * vectors quantised to int8 with one float32 scale per word, in the source's frequency order, plus
 * the source's mean vector and first principal component (the direction every GloVe-style vector
 * shares, which drowns the topic when texts are averaged). Little-endian throughout:
 *
 *   0  magic "SCWV", u32 version, u32 dimension, u32 count, u32 sourceSize, 12 bytes reserved
 *   32 f32[dim] mean, f32[dim] pc1, u32[count] source rank, f32[count] scale,
 *      i8[count·dim] vectors, utf-8 words joined by "\n"
 */

export const MAGIC = 'SCWV';
export const FORMAT_VERSION = 1;
const HEADER_BYTES = 32;

export interface WordVectorTable {
  dimension: number;
  /** words in the source's frequency order, diacritics folded, lowercase */
  words: string[];
  /** each word's rank in the unpruned source vocabulary (0 = most frequent) */
  ranks: Uint32Array;
  /** unit-length vectors, `dimension` per word */
  vectors: Float32Array;
  /** how many words the source vocabulary had before pruning (for frequency estimates) */
  sourceSize: number;
}

/** Mean and first principal component of the table's vectors (the common direction). */
export interface CommonDirections {
  mean: Float32Array;
  pc1: Float32Array;
}

/** Serialises a table; vectors are renormalised and quantised to int8 with a per-word scale. */
export function encodeWordVectors(table: WordVectorTable, common: CommonDirections): Buffer {
  const { dimension: dim, words } = table;
  const count = words.length;
  const wordBytes = Buffer.from(words.join('\n'), 'utf8');
  const size = HEADER_BYTES + dim * 8 + count * 8 + count * dim + wordBytes.length;
  const buf = Buffer.alloc(size);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(FORMAT_VERSION, 4);
  buf.writeUInt32LE(dim, 8);
  buf.writeUInt32LE(count, 12);
  buf.writeUInt32LE(table.sourceSize, 16);
  let at = HEADER_BYTES;
  for (let d = 0; d < dim; d++, at += 4) buf.writeFloatLE(common.mean[d]!, at);
  for (let d = 0; d < dim; d++, at += 4) buf.writeFloatLE(common.pc1[d]!, at);
  for (let i = 0; i < count; i++, at += 4) buf.writeUInt32LE(table.ranks[i]!, at);
  const scalesAt = at;
  at += count * 4;
  for (let i = 0; i < count; i++) {
    const off = i * dim;
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(table.vectors[off + d]!));
    const scale = max === 0 ? 0 : max / 127;
    buf.writeFloatLE(scale, scalesAt + i * 4);
    for (let d = 0; d < dim; d++) {
      buf.writeInt8(scale === 0 ? 0 : Math.round(table.vectors[off + d]! / scale), at + off + d);
    }
  }
  at += count * dim;
  wordBytes.copy(buf, at);
  return buf;
}

/** Reads a table written by `encodeWordVectors`; throws on anything that is not one. */
export function decodeWordVectors(buf: Buffer): WordVectors {
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a word-vector table');
  const version = buf.readUInt32LE(4);
  if (version !== FORMAT_VERSION) throw new Error(`word-vector table version ${version}, expected ${FORMAT_VERSION}`);
  const dim = buf.readUInt32LE(8);
  const count = buf.readUInt32LE(12);
  const sourceSize = buf.readUInt32LE(16);
  const wordsAt = HEADER_BYTES + dim * 8 + count * 8 + count * dim;
  if (dim === 0 || wordsAt > buf.length) throw new Error('word-vector table is truncated');
  // copies, so the views are aligned whatever the Buffer's offset in its pool
  const floats = (at: number, n: number) => new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + n * 4));
  let at = HEADER_BYTES;
  const mean = floats(at, dim);
  const pc1 = floats((at += dim * 4), dim);
  const ranks = new Uint32Array(buf.buffer.slice(buf.byteOffset + (at += dim * 4), buf.byteOffset + at + count * 4));
  const scales = floats((at += count * 4), count);
  const quantised = new Int8Array(buf.buffer.slice(buf.byteOffset + (at += count * 4), buf.byteOffset + at + count * dim));
  const words = buf.toString('utf8', wordsAt).split('\n');
  if (words.length !== count) throw new Error(`word-vector table has ${words.length} words, header says ${count}`);
  return new WordVectors(dim, words, ranks, scales, quantised, sourceSize, { mean, pc1 });
}

export async function loadWordVectors(file: string): Promise<WordVectors> {
  return decodeWordVectors(await readFile(file));
}

/** how far below the bar a row's bound must be to skip it: far above the float rounding of a cosine (~1e-7) */
const BOUND_MARGIN = 1e-4;
/** where the integer scan of `neighbours` checks its bound, as shares of the dimensions */
const SCAN_CUTS = [0.25, 0.4, 0.55, 0.7, 0.85];

export interface Neighbour {
  word: string;
  cosine: number;
}

/** Lookup side of a loaded table: ids by word, dequantised vectors, frequency ranks, neighbours. */
export class WordVectors implements Vocabulary {
  private readonly ids = new Map<string, number>();
  /** see piecesAt(); built on first use */
  private pieces: PieceIndex | null = null;
  /** see neighbours() */
  private readonly cuts: number[];
  private tails: Float32Array | null = null;
  private simd: SimdDots | null | undefined;
  /** false: always the JavaScript scan (tests compare the two) */
  useSimd = true;

  constructor(
    readonly dimension: number,
    private readonly words: string[],
    private readonly ranks: Uint32Array,
    private readonly scales: Float32Array,
    private readonly quantised: Int8Array,
    readonly sourceSize: number,
    readonly common: CommonDirections,
  ) {
    for (let i = 0; i < words.length; i++) if (!this.ids.has(words[i]!)) this.ids.set(words[i]!, i);
    this.cuts = SCAN_CUTS.map((f) => Math.round(dimension * f));
  }

  get size(): number {
    return this.words.length;
  }

  id(word: string): number | undefined {
    return this.ids.get(word);
  }

  /** Segmentation's vocabulary (see segment.ts): the known words starting at `start`, with their ranks. */
  piecesAt(word: string, start: number, found: (end: number, rank: number) => void): void {
    this.pieces ??= new PieceIndex(this.words, MAX_PIECE, (w) => this.ids.get(w));
    this.pieces.piecesAt(word, start, (end, id) => found(end, this.ranks[id]!));
  }

  word(id: number): string {
    return this.words[id]!;
  }

  /** rank of the word in the unpruned source vocabulary (0 = most frequent) */
  rank(id: number): number {
    return this.ranks[id]!;
  }

  /** adds `weight` × the word's vector into `out` */
  addTo(out: Float64Array, id: number, weight: number): void {
    const dim = this.dimension;
    const s = this.scales[id]! * weight;
    const off = id * dim;
    for (let d = 0; d < dim; d++) out[d]! += this.quantised[off + d]! * s;
  }

  vector(id: number): Float32Array {
    const v = new Float64Array(this.dimension);
    this.addTo(v, id, 1);
    return Float32Array.from(v);
  }

  /**
   * The `k` words nearest to `id` by cosine among the `searchSize` most frequent words, above
   * `minCosine`. Rare words are left out of the search: they are slow to scan and mostly noise.
   *
   * The cosine reported (and compared) is the float dot product of the dequantised query with each
   * int8 row, as in the plain scan. Most rows are far below the bar, so each is first bounded by its
   * exact int8·int8 dot product, which differs from the float cosine only by the float32 rounding of
   * the dequantised query (< 1e-7): a row whose bound is below the bar by more than BOUND_MARGIN
   * could not have entered the result and is skipped; every other row gets the exact cosine. The
   * integer dot products of all rows come from WebAssembly SIMD (`SimdDots`, 8 dimensions per
   * instruction) in one call; where that is unavailable, each row is bounded in JavaScript by the
   * dot product of its leading dimensions plus a Cauchy–Schwarz bound on the rest, stopping as
   * soon as it cannot reach the bar. Both give the plain scan's output (bench/neighbours.ts --dump).
   */
  neighbours(id: number, opts: { k: number; minCosine: number; searchSize: number }): Neighbour[] {
    const dim = this.dimension;
    const q = this.vector(id);
    const n = Math.min(this.words.length, opts.searchSize);
    const best: Neighbour[] = [];
    const q8 = this.quantised;
    const scales = this.scales;
    const qOff = id * dim;
    const sq = scales[id]!;
    const barOf = () => (best.length === opts.k ? Math.max(opts.minCosine, best[best.length - 1]!.cosine) : opts.minCosine) - BOUND_MARGIN;
    /** the exact cosine of a row the bound could not rule out; kept when it makes the top k */
    const consider = (j: number) => {
      const off = j * dim;
      let dot = 0;
      for (let e = 0; e < dim; e++) dot += q[e]! * q8[off + e]!;
      const cosine = dot * scales[j]!;
      if (cosine < opts.minCosine) return;
      if (best.length === opts.k && cosine <= best[best.length - 1]!.cosine) return;
      best.push({ word: this.words[j]!, cosine });
      best.sort((a, b) => b.cosine - a.cosine);
      if (best.length > opts.k) best.pop();
    };

    const simd = this.simdDots(n);
    if (simd) {
      const dots = simd.run(q8.subarray(qOff, qOff + dim));
      let bar = barOf();
      for (let j = 0; j < n; j++) {
        if (j === id || dots[j]! * (sq * scales[j]!) < bar) continue;
        consider(j);
        bar = barOf();
      }
      return best;
    }

    const tails = this.tailNorms(n);
    const cuts = this.cuts;
    const nc = cuts.length;
    const qTail = new Float64Array(nc);
    for (let c = 0; c < nc; c++) {
      let t = 0;
      for (let d = cuts[c]!; d < dim; d++) t += q8[qOff + d]! * q8[qOff + d]!;
      qTail[c] = Math.sqrt(t);
    }
    for (let j = 0; j < n; j++) {
      if (j === id) continue;
      const off = j * dim;
      const sqj = sq * scales[j]!;
      const bar = barOf();
      // the integer dot product in slices, stopping as soon as the row cannot reach the bar
      let idot = 0;
      let d = 0;
      let out = false;
      for (let c = 0; c < nc; c++) {
        const end = cuts[c]!;
        for (; d < end; d++) idot += q8[qOff + d]! * q8[off + d]!;
        if ((idot + qTail[c]! * tails[j * nc + c]!) * sqj < bar) {
          out = true;
          break;
        }
      }
      if (!out) consider(j);
    }
    return best;
  }

  /** the WebAssembly scanner of the first `n` rows, built on first use (a copy of them: 6 MB for 60,000 words); null without SIMD */
  private simdDots(n: number): SimdDots | null {
    if (this.simd === undefined || (this.simd !== null && this.simd.n < n)) {
      this.simd = this.useSimd ? SimdDots.create(this.quantised, this.dimension, n) : null;
    }
    return this.simd;
  }

  /** ‖row[cut..dim)‖ of the int8 rows of the first `n` words, per cut; built on first use (1.2 MB for 60,000 words) */
  private tailNorms(n: number): Float32Array {
    const nc = this.cuts.length;
    if (this.tails && this.tails.length >= n * nc) return this.tails;
    const dim = this.dimension;
    const q8 = this.quantised;
    const tails = new Float32Array(n * nc);
    for (let j = 0; j < n; j++) {
      const off = j * dim;
      for (let c = 0; c < nc; c++) {
        let t = 0;
        for (let d = this.cuts[c]!; d < dim; d++) t += q8[off + d]! * q8[off + d]!;
        tails[j * nc + c] = Math.sqrt(t);
      }
    }
    this.tails = tails;
    return tails;
  }
}
