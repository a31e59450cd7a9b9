import type { LocalEmbedderSpec } from './local-embedder.js';
import type { CallContext } from '../ledger.js';

export interface Embedder {
  /** stable id recorded in the index, e.g. "hashing-v1:384" or "openai:text-embedding-3-small:1536" */
  readonly id: string;
  readonly dimension: number;
  /** one unit-length vector per text, in order */
  embed(texts: string[], ctx: CallContext): Promise<number[][]>;
  /** optional: prepares the embedder (loads a model, converting it on first use) before the first call */
  open?(): Promise<void>;
  /**
   * Optional capability of embedders with word vectors: the content words of `text` that can have
   * related words, in order, each with its nearest words by meaning (closest first, possibly none).
   * The neighbours are found when `related()` is first called (a scan of the vocabulary), so a
   * caller that stops early pays only for the words it reached. The keyword leg of a search adds
   * them to its query.
   */
  relatedWords?(text: string): Promise<RelatedWords[]>;
  /**
   * Optional, with `relatedWords`: a test of whether a word could ever be offered as a related
   * word. An index keeps only such words of its documents in its vocabulary (see
   * lancedb/vocabulary.ts), which keeps that vocabulary small.
   */
  relatedVocabulary?(): Promise<(word: string) => boolean>;
  /**
   * Optional: how to build this embedder again in a worker thread (`openLocalEmbedder`). Only local,
   * deterministic embedders have one; bulk imports then embed on every core.
   */
  readonly local?: LocalEmbedderSpec;
}

export interface RelatedWords {
  word: string;
  /** the word's neighbours, closest first; computed on the first call, then remembered */
  related(): { word: string; cosine: number }[];
}

/** Text of a creator that gets embedded and full-text indexed; one definition for every backend. */
export function creatorDocument(c: {
  displayName: string | null;
  handle: string;
  bio: string;
  categories: string[];
  topics: string[];
}): string {
  return [c.displayName ?? '', c.handle, c.categories.join(' '), c.topics.join(' '), c.bio]
    .filter((s) => s.length > 0)
    .join('\n');
}
