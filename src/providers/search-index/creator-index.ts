import type { Creator, CreatorKey, HybridQuery, SearchHit } from '../../domain/creator.js';
import type { CallContext } from '../ledger.js';
import type { IndexStats } from './index-stats.js';

export type { IndexStats } from './index-stats.js';

/**
 * A creator with the vector the index stores for it: an array, or a view of a batch's vectors as
 * the import's worker threads hand them over (copying a million of them into arrays cost the
 * importer's thread as much as reading the file).
 */
export interface IndexedCreator {
  creator: Creator;
  vector: readonly number[] | Float32Array;
}

/** What a caller may tell an index about a batch besides its rows. */
export interface UpsertOptions {
  /**
   * Words of the batch's creator documents (as the embedder's `tokenize` splits them) that the
   * embedder's `relatedVocabulary` keeps, from a caller that tokenized the documents anyway (a bulk
   * import's worker threads); a word given with an earlier batch to the same index object may be
   * left out. An index that keeps a vocabulary of its documents uses them instead of reading every
   * document again, where it can tell they cover the whole table (LanceDB: every row written
   * through this object since the table was empty, each batch with its words).
   */
  documentWords?: readonly string[];
}

export interface IndexInfo {
  backend: string;
  /** id of the embedder that built the vectors (e.g. "hashing-v1", "openai:text-embedding-3-small") */
  embedder: string | null;
  dimension: number | null;
  count: number;
}

/** Which creators `remove` deletes: those with one of `keys`, or all from one `source`. */
export type RemoveSelector = { keys: CreatorKey[]; source?: undefined } | { source: string; keys?: undefined };

/**
 * The creator index: hybrid (keyword + vector) search with hard filters applied inside the index.
 * Implementations: LanceDB on local disk (default) and Weaviate.
 */
export interface CreatorIndex {
  readonly backend: string;
  /** where this index lives (`lancedb:<dir>`, `weaviate:<url>#<collection>`): its identity in creator_index_state */
  readonly location: string;
  /** opens or creates the index; `embedder`/`dimension` are recorded on creation and checked later */
  open(): Promise<void>;
  upsert(batch: IndexedCreator[], ctx: CallContext, opts?: UpsertOptions): Promise<void>;
  hybridSearch(query: HybridQuery, ctx: CallContext): Promise<SearchHit[]>;
  /** exact lookups by key; unknown keys are left out */
  get(keys: CreatorKey[], ctx: CallContext): Promise<Creator[]>;
  /**
   * Deletes creators; returns how many there were. Searches and lookups from any process see the
   * removal at once (no reopen, no optimisation needed).
   */
  remove(selector: RemoveSelector, ctx: CallContext): Promise<number>;
  /**
   * The stored vectors of these creators, by key; unknown keys are left out. Lookalike search
   * starts from its seeds' vectors and says which seed each result is nearest to.
   */
  vectors(keys: CreatorKey[], ctx: CallContext): Promise<Map<CreatorKey, number[]>>;
  count(): Promise<number>;
  info(): Promise<IndexInfo>;
  /** What the index holds: counts by source and platform, freshness spread, size on disk. */
  stats(opts: { maxAgeDays: number; now?: number }): Promise<IndexStats>;
  /** throws when the index cannot answer (health check) */
  ping(): Promise<void>;
  /** drops everything (used by `scout import --reindex`) */
  reset(): Promise<void>;
  /**
   * Optional: called once after a bulk import (compaction, index maintenance). Upserts must be
   * searchable without it; it only makes searches faster.
   */
  optimize?(): Promise<unknown>;
  /**
   * Optional: loads what searches read first into memory, so the first searches of a process do
   * not pay for it. Processes that search (API, worker) start it after `open` without waiting.
   */
  warm?(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when a query's embedder does not match the one that built the index. */
export class IndexEmbedderMismatchError extends Error {
  constructor(
    readonly indexEmbedder: string,
    readonly queryEmbedder: string,
  ) {
    super(
      `the index was built with embedder "${indexEmbedder}" but the service is configured with "${queryEmbedder}"; ` +
        'run `scout import --reindex FILE` to rebuild it with the current embedder',
    );
    this.name = 'IndexEmbedderMismatchError';
  }
}

/** Thrown when a search filters on niches but the index was built before niches were inferred. */
export class IndexNichesMissingError extends Error {
  constructor() {
    super('the index was built before creator niches were inferred; run `scout import --reindex FILE` to filter by niches');
    this.name = 'IndexNichesMissingError';
  }
}
