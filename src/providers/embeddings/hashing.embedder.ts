import type { CallContext, Ledger } from '../ledger.js';
import type { LocalEmbedderSpec } from './local-embedder.js';
import type { Embedder } from './embedder.js';
import { stopWords } from './stop-words.js';

/**
 * Deterministic feature-hashing embedder: needs no model, no network and no state, so the same
 * text gives the same vector in every process. Features are word unigrams, word bigrams and
 * character 3/4-grams of each word (with boundary markers, so "fitness" still meets
 * "fitnessmotivation"), hashed with signed 32-bit FNV-1a into `dimension` buckets, weighted with
 * sublinear term frequency and L2-normalised (cosine = dot product).
 */

export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** distinct seeds keep the feature kinds apart in hash space */
const SEED_WORD = FNV_OFFSET;
const SEED_BIGRAM = 0x050c5d1f;
const SEED_CHAR = 0x2f6b3a11;
const BOUNDARY = 0x02;
const SEPARATOR = 0x20;

/** how much each feature kind contributes; words carry meaning, n-grams tolerate spelling and compounds */
const WEIGHT_WORD = 1;
const WEIGHT_BIGRAM = 0.6;
const WEIGHT_CHAR = 0.22;

const MAX_TOKEN_LENGTH = 40;

export class HashingEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  readonly local: LocalEmbedderSpec;
  private readonly features = new FeatureCounts();

  constructor(
    opts: { dimension: number },
    private readonly ledger: Ledger,
  ) {
    if (!Number.isInteger(opts.dimension) || opts.dimension < 8) {
      throw new RangeError(`hashing embedder dimension must be an integer ≥ 8, got ${opts.dimension}`);
    }
    this.dimension = opts.dimension;
    this.id = `hashing-v1:${opts.dimension}`;
    this.local = { kind: 'hashing', dimension: opts.dimension };
  }

  async embed(texts: string[], ctx: CallContext): Promise<number[][]> {
    return this.ledger.track(ctx, 'embeddings', 'embed', async () => {
      let chars = 0;
      const vectors = texts.map((t) => {
        chars += t.length;
        return Array.from(this.embedOne(t));
      });
      return { result: vectors, units: { vectors: texts.length, chars }, costUsd: 0 };
    });
  }

  /** The vector of one text, without the ledger: for hot loops that batch their own accounting. */
  embedOne(text: string): Float32Array {
    const features = this.features;
    features.clear();
    let prev: string | null = null;
    for (const token of tokenize(text)) {
      features.add(hashString(SEED_WORD, token), WEIGHT_WORD);
      if (prev !== null) features.add(hashString(fnvStep(hashString(SEED_BIGRAM, prev), SEPARATOR), token), WEIGHT_BIGRAM);
      prev = token;
      addCharNgrams(features, token);
    }

    const out = new Float64Array(this.dimension);
    features.project(out);
    let norm = 0;
    for (let i = 0; i < out.length; i++) norm += out[i]! * out[i]!;
    const vector = new Float32Array(this.dimension);
    if (norm === 0) return vector;
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < out.length; i++) vector[i] = out[i]! * inv;
    return vector;
  }
}

/**
 * Lowercase, compatibility-normalised, diacritics folded (café = cafe), split on anything that is
 * not a letter or digit; '#' and '@' therefore vanish, so "#Fitness" and "fitness" are one word.
 * Stop words and one-character tokens carry no topic and are dropped.
 */
export function tokenize(text: string): string[] {
  const folded = isAscii(text)
    ? text.toLowerCase()
    : text.normalize('NFKD').replace(/\p{M}+/gu, '').normalize('NFC').toLowerCase();
  const out: string[] = [];
  for (const raw of folded.split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 2 || stopWords.has(raw)) continue;
    out.push(raw.length > MAX_TOKEN_LENGTH ? raw.slice(0, MAX_TOKEN_LENGTH) : raw);
  }
  return out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** char 3- and 4-grams of "\x02token\x02" */
function addCharNgrams(into: FeatureCounts, token: string): void {
  const n = token.length + 2;
  const at = (i: number) => (i === 0 || i === n - 1 ? BOUNDARY : token.charCodeAt(i - 1));
  for (let size = 3; size <= 4; size++) {
    for (let start = 0; start + size <= n; start++) {
      let h = fnvStep(SEED_CHAR, size);
      for (let i = start; i < start + size; i++) h = fnvStep(h, at(i));
      into.add(h, WEIGHT_CHAR);
    }
  }
}

/** One step of FNV-1a over a UTF-16 code unit (both bytes); also the word segmentation's prefix hash. */
export function fnvStep(h: number, code: number): number {
  // FNV-1a over UTF-16 code units, both bytes, so non-Latin scripts spread over all buckets
  h = Math.imul(h ^ (code & 0xff), FNV_PRIME);
  return Math.imul(h ^ (code >>> 8), FNV_PRIME);
}

export function hashString(seed: number, s: string): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = fnvStep(h, s.charCodeAt(i));
  return h;
}

/**
 * Term counts per feature hash in an open-addressing table that is reused across texts (a Map per
 * text costs several times more). Grows when a text has unusually many distinct features.
 */
class FeatureCounts {
  private keys = new Int32Array(1 << 13);
  private counts = new Int32Array(1 << 13);
  private weights = new Float32Array(1 << 13);
  private used: number[] = [];

  clear(): void {
    for (const slot of this.used) this.counts[slot] = 0;
    this.used.length = 0;
  }

  add(hash: number, weight: number): void {
    if (this.used.length * 2 >= this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let slot = (hash ^ (hash >>> 15)) & mask;
    for (;;) {
      if (this.counts[slot] === 0) {
        this.keys[slot] = hash;
        this.weights[slot] = weight;
        this.counts[slot] = 1;
        this.used.push(slot);
        return;
      }
      if (this.keys[slot] === hash) {
        this.counts[slot]!++;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** adds every feature, weighted 1 + ln(tf), with a hash-derived sign, into its bucket */
  project(out: Float64Array): void {
    const dim = out.length;
    for (const slot of this.used) {
      const h = this.keys[slot]!;
      // final avalanche so nearby FNV values do not share buckets; low bit is the sign
      let x = h ^ (h >>> 16);
      x = Math.imul(x, 0x85ebca6b);
      x ^= x >>> 13;
      x = Math.imul(x, 0xc2b2ae35);
      x ^= x >>> 16;
      const bucket = (x >>> 1) % dim;
      const value = this.weights[slot]! * (1 + Math.log(this.counts[slot]!));
      out[bucket]! += x & 1 ? -value : value;
    }
  }

  private grow(): void {
    const entries = this.used.map((slot) => [this.keys[slot]!, this.counts[slot]!, this.weights[slot]!] as const);
    const size = this.keys.length * 2;
    this.keys = new Int32Array(size);
    this.counts = new Int32Array(size);
    this.weights = new Float32Array(size);
    this.used = [];
    const mask = size - 1;
    for (const [hash, count, weight] of entries) {
      let slot = (hash ^ (hash >>> 15)) & mask;
      while (this.counts[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = hash;
      this.counts[slot] = count;
      this.weights[slot] = weight;
      this.used.push(slot);
    }
  }
}
