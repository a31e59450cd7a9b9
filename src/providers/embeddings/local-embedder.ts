import { defaultPrices } from '../../config.js';
import { Ledger } from '../ledger.js';
import { HashingEmbedder } from './hashing.embedder.js';
import { WordVecEmbedder } from './wordvec.embedder.js';

/**
 * How to build an in-process embedder again somewhere else (a worker thread): only embedders that
 * run locally and deterministically have one, so a vector made in a worker is the vector the
 * embedder itself would have made.
 */
export type LocalEmbedderSpec =
  | { kind: 'hashing'; dimension: number }
  | { kind: 'wordvec'; dir: string; fallbackDim: number; source?: string };

/** A ledger that records nothing: a worker's embedding is local work of a caller that does its own accounting. */
const silentLedger = Ledger.silent(defaultPrices);

/** An embedder opened in a worker thread: its one-text function, and its `relatedVocabulary` when it has one. */
export interface OpenedLocalEmbedder {
  id: string;
  dimension: number;
  /**
   * `firstSeen`, when given, receives the text's tokens this embedder had not met before (or had
   * forgotten), where it finds them anyway: over many texts, each distinct token at least once
   * (see vocabularyWord)
   */
  embedOne(text: string, firstSeen?: string[]): Float32Array;
  /**
   * The embedder's `relatedVocabulary()`, resolved (an index keeps only these words of its
   * documents); present only where `embedOne` fills its `firstSeen`.
   */
  vocabularyWord?: (word: string) => boolean;
}

/** Builds the embedder a spec describes and returns its one-text function (the table loaded first). */
export async function openLocalEmbedder(spec: LocalEmbedderSpec): Promise<OpenedLocalEmbedder> {
  if (spec.kind === 'hashing') return new HashingEmbedder({ dimension: spec.dimension }, silentLedger);
  const quiet = { info: () => {}, warn: () => {} };
  const embedder = new WordVecEmbedder({ dir: spec.dir, fallbackDim: spec.fallbackDim, logger: quiet, ...(spec.source ? { source: spec.source } : {}) }, silentLedger);
  await embedder.open();
  return {
    id: embedder.id,
    dimension: embedder.dimension,
    embedOne: (text, firstSeen) => embedder.embedOpened(text, firstSeen),
    vocabularyWord: await embedder.relatedVocabulary(),
  };
}
