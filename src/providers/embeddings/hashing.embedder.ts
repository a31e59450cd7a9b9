import type { CallContext, Ledger } from '../ledger.js';
import type { Embedder } from './embedder.js';
import { stopWords } from './stop-words.js';

/**
 * Deterministic feature-hashing embedder: needs no model, no network and no state, so the same
 * text gives the same vector in every process. Features are word unigrams, word bigrams and
 * character 3/4-grams of each word (with boundary markers, so "fitness" still meets
 * "fitnessmotivation"), hashed with signed 32-bit FNV-1a into `dimension` buckets, weighted with
 * sublinear term frequency and L2-normalised (cosine = dot product).
 */

const FNV_OFFSET = 0x811c9dc5;
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
  private readonly words = new Map<number, number>();
  private readonly bigrams = new Map<number, number>();
  private readonly chars = new Map<number, number>();

  constructor(
    opts: { dimension: number },
    private readonly ledger: Ledger,
  ) {
    if (!Number.isInteger(opts.dimension) || opts.dimension < 8) {
      throw new RangeError(`hashing embedder dimension must be an integer ≥ 8, got ${opts.dimension}`);
    }
    this.dimension = opts.dimension;
    this.id = `hashing-v1:${opts.dimension}`;
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
    const tokens = tokenize(text);
    const { words, bigrams, chars } = this;
    words.clear();
    bigrams.clear();
    chars.clear();

    let prev: number[] | null = null;
    for (const token of tokens) {
      const codes = codePoints(token);
      bump(words, hashCodes(SEED_WORD, codes, 0, codes.length));
      if (prev !== null) {
        let h = hashCodes(SEED_BIGRAM, prev, 0, prev.length);
        h = step(h, SEPARATOR);
        bump(bigrams, hashCodes(h, codes, 0, codes.length));
      }
      prev = codes;
      addCharNgrams(chars, codes);
    }

    const out = new Float64Array(this.dimension);
    accumulate(out, words, WEIGHT_WORD);
    accumulate(out, bigrams, WEIGHT_BIGRAM);
    accumulate(out, chars, WEIGHT_CHAR);

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
  const folded = text.normalize('NFKD').replace(/\p{M}+/gu, '').normalize('NFC').toLowerCase();
  const out: string[] = [];
  for (const raw of folded.split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length < 2 || stopWords.has(raw)) continue;
    out.push(raw.length > MAX_TOKEN_LENGTH ? raw.slice(0, MAX_TOKEN_LENGTH) : raw);
  }
  return out;
}

function codePoints(token: string): number[] {
  const codes: number[] = [];
  for (let i = 0; i < token.length; i++) codes.push(token.charCodeAt(i));
  return codes;
}

/** char 3- and 4-grams of "\x02token\x02" */
function addCharNgrams(into: Map<number, number>, codes: number[]): void {
  const n = codes.length + 2;
  const at = (i: number) => (i === 0 || i === n - 1 ? BOUNDARY : codes[i - 1]!);
  for (let size = 3; size <= 4; size++) {
    for (let start = 0; start + size <= n; start++) {
      let h = step(SEED_CHAR, size);
      for (let i = start; i < start + size; i++) h = step(h, at(i));
      bump(into, h);
    }
  }
}

function step(h: number, code: number): number {
  // FNV-1a over UTF-16 code units, both bytes, so non-Latin scripts spread over all buckets
  h = Math.imul(h ^ (code & 0xff), FNV_PRIME);
  return Math.imul(h ^ (code >>> 8), FNV_PRIME);
}

function hashCodes(seed: number, codes: number[], from: number, to: number): number {
  let h = seed;
  for (let i = from; i < to; i++) h = step(h, codes[i]!);
  return h;
}

function bump(map: Map<number, number>, h: number): void {
  map.set(h, (map.get(h) ?? 0) + 1);
}

function accumulate(out: Float64Array, features: Map<number, number>, weight: number): void {
  const dim = out.length;
  for (const [h, tf] of features) {
    // final avalanche so nearby FNV values do not share buckets; low bit is the sign
    let x = h ^ (h >>> 16);
    x = Math.imul(x, 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    x ^= x >>> 16;
    const bucket = (x >>> 1) % dim;
    const sign = x & 1 ? -1 : 1;
    out[bucket]! += sign * weight * (1 + Math.log(tf));
  }
}
