import * as lancedb from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';

/**
 * Below this many rows a flat (exact) vector scan is fast enough and an ANN index is not worth
 * building. Measured on 2 cores: a flat scan of 23k × 384 dims takes hundreds of ms, HNSW ~10 ms.
 */
export const DEFAULT_VECTOR_INDEX_MIN_ROWS = 5_000;

/**
 * The HNSW graph of the vector index: m links per node (2 × m on the bottom layer), built with
 * ef_construction candidates per insert. The build is the largest step of a bulk import, and its
 * cost follows ef_construction. Measured on 2 cores:
 *  - ef_construction 100 built the same 1M table in three quarters of the time of 150 (221 against
 *    295 s) for a vector recall@50 0.01 lower at the same search breadth;
 *  - 64 (since 2026-12-02) built a 200k table with 24 CPU s against 38–42 for 100 and 29 for 80,
 *    and their recall@50 was within the spread between two builds at the same setting (scratch run,
 *    one process);
 *  - at 1M, 64 built the index in 94 s, and bench:search measured hybrid recall@50 0.961 (vector leg
 *    0.930) at the broader search of large tables (DEFAULT_SEARCH_TUNING.large), against 0.966
 *    (0.941) for the graph of 100, one build each (builds of one setting have differed by 0.006).
 * Fewer links (m 16 at ef_construction 100) lost more recall (0.955) for little less build.
 * See docs/operations.md.
 */
export const VECTOR_GRAPH = { m: 20, efConstruction: 64 } as const;

export const FTS_INDEX = 'doc_idx';
export const VECTOR_INDEX = 'vector_idx';

/** BM25 over the creator document: simple tokenizer, lowercase, ASCII folding, English stemming and stop words. */
export function ftsIndexConfig(): lancedb.Index {
  return lancedb.Index.fts({
    baseTokenizer: 'simple',
    lowercase: true,
    asciiFolding: true,
    stem: true,
    language: 'English',
    removeStopWords: true,
    withPosition: false,
  });
}

/** Scalar indexes for the hard-filter columns and the merge key. */
const scalarIndexes: { column: string; kind: 'btree' | 'bitmap' }[] = [
  { column: 'key', kind: 'btree' },
  { column: 'platform', kind: 'bitmap' },
  { column: 'country', kind: 'bitmap' },
  { column: 'language', kind: 'bitmap' },
  { column: 'followers', kind: 'btree' },
  { column: 'engagement_rate', kind: 'btree' },
];

export async function hasIndex(table: Table, name: string): Promise<boolean> {
  return (await table.listIndices()).some((i) => i.name === name);
}

/** Creates the full-text index when the table has none, so the keyword leg can answer at all. */
export async function ensureFtsIndex(table: Table): Promise<boolean> {
  if (await hasIndex(table, FTS_INDEX)) return false;
  await table.createIndex('doc', { config: ftsIndexConfig(), name: FTS_INDEX, replace: false }).catch(ignoreExists);
  return true;
}

export interface OptimizeReport {
  rows: number;
  /** indexes created by this call (existing ones were updated in place) */
  created: string[];
  /** milliseconds per step: `compact+update` and one entry per created index */
  steps: Record<string, number>;
  durationMs: number;
}

/**
 * After a bulk write: compact the many small fragments the batches left behind, fold new rows
 * into the existing indexes, drop superseded versions, and create whichever index is missing
 * (the vector index only once the table is big enough for it to beat a flat scan).
 */
export async function optimizeTable(table: Table, opts: { vectorIndexMinRows: number }): Promise<OptimizeReport> {
  const started = performance.now();
  const steps: Record<string, number> = {};
  const step = async (name: string, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    steps[name] = performance.now() - t0;
  };
  // Versions still being read by another process are re-resolved by its retry; nothing older is needed.
  await step('compact+update', () => table.optimize({ cleanupOlderThan: new Date(), deleteUnverified: false }));
  const rows = await table.countRows();
  const existing = new Set((await table.listIndices()).map((i) => i.name));
  const created: string[] = [];
  const create = async (name: string, column: string, config: lancedb.Index) => {
    await step(name, () => table.createIndex(column, { config, name }));
    created.push(name);
  };
  if (rows > 0) {
    if (!existing.has(FTS_INDEX)) await create(FTS_INDEX, 'doc', ftsIndexConfig());
    for (const { column, kind } of scalarIndexes) {
      const name = `${column}_idx`;
      if (!existing.has(name)) await create(name, column, kind === 'btree' ? lancedb.Index.btree() : lancedb.Index.bitmap());
    }
    if (!existing.has(VECTOR_INDEX) && rows >= opts.vectorIndexMinRows) {
      // one HNSW graph up to a few million rows; SQ keeps 1 byte per dimension
      await create(VECTOR_INDEX, 'vector', lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, ...VECTOR_GRAPH }));
    }
  }
  return { rows, created, steps, durationMs: performance.now() - started };
}

function ignoreExists(err: unknown): void {
  // another writer created it between our check and our create
  if (err instanceof Error && /already exists/i.test(err.message)) return;
  throw err;
}
