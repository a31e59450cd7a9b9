import type { CallContext } from '../ledger.js';

export interface Embedder {
  /** stable id recorded in the index, e.g. "hashing-v1:384" or "openai:text-embedding-3-small:1536" */
  readonly id: string;
  readonly dimension: number;
  /** one unit-length vector per text, in order */
  embed(texts: string[], ctx: CallContext): Promise<number[][]>;
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
