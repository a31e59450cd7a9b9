import type { Vectors } from './proto.js';
import { baseProto } from './proto.js';
import { invalid } from './errors.js';

/** Little-endian float32, the layout the client writes into `vectorBytes`. */
export function vectorFromBytes(bytes: Uint8Array): number[] {
  if (bytes.byteLength % 4 !== 0) throw invalid('vector bytes are not a whole number of float32 values');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number>(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

export function vectorToBytes(v: number[]): Uint8Array {
  const dv = new DataView(new ArrayBuffer(v.length * 4));
  v.forEach((x, i) => dv.setFloat32(i * 4, x, true));
  return new Uint8Array(dv.buffer);
}

export function float64sFromBytes(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Array<number>(bytes.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat64(i * 8, true);
  return out;
}

export function float64sToBytes(v: number[]): Uint8Array {
  const dv = new DataView(new ArrayBuffer(v.length * 8));
  v.forEach((x, i) => dv.setFloat64(i * 8, x, true));
  return new Uint8Array(dv.buffer);
}

export function int64sToBytes(v: number[]): Uint8Array {
  const dv = new DataView(new ArrayBuffer(v.length * 8));
  v.forEach((x, i) => dv.setBigInt64(i * 8, BigInt(x), true));
  return new Uint8Array(dv.buffer);
}

/** A single vector out of a `Vectors` entry; multi-vectors are not something this fake stores. */
export function singleVector(v: Vectors): number[] {
  if (v.type === baseProto.Vectors_VectorType.VECTOR_TYPE_MULTI_FP32) {
    throw invalid('multi-vectors are not supported by this collection');
  }
  return vectorFromBytes(v.vectorBytes);
}

/** Cosine distance (Weaviate's `cosine`: 1 - cos, in [0, 2]). */
export function cosineDistance(a: number[], b: number[]): number {
  if (a.length !== b.length) {
    throw invalid(`vector search: knn search: vector lengths don't match: ${b.length} vs ${a.length}`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return 1;
  return 1 - dot / Math.sqrt(na * nb);
}
