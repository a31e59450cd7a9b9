import * as lancedb from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';

/**
 * Below this many rows a flat (exact) vector scan is fast enough and an ANN index is not worth
 * building. Measured on 2 cores: a flat scan of 23k × 384 dims takes hundreds of ms, HNSW ~10 ms.
 */
export const DEFAULT_VECTOR_INDEX_MIN_ROWS = 5_000;

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
  created: string[];
  durationMs: number;
}

/**
 * After a bulk write: compact the many small fragments the batches left behind, fold new rows
 * into the existing indexes, drop superseded versions, and create whichever index is missing
 * (the vector index only once the table is big enough for it to beat a flat scan).
 */
export async function optimizeTable(
  table: Table,
  opts: { vectorIndexMinRows: number },
): Promise<OptimizeReport> {
  const started = performance.now();
  // Versions still being read by another process are re-resolved by its retry; nothing older is needed.
  await table.optimize({ cleanupOlderThan: new Date(), deleteUnverified: false });
  const rows = await table.countRows();
  const existing = new Set((await table.listIndices()).map((i) => i.name));
  const created: string[] = [];
  if (rows === 0) return { rows, created, durationMs: performance.now() - started };

  if (!existing.has(FTS_INDEX)) {
    await table.createIndex('doc', { config: ftsIndexConfig(), name: FTS_INDEX });
    created.push(FTS_INDEX);
  }
  for (const { column, kind } of scalarIndexes) {
    const name = `${column}_idx`;
    if (existing.has(name)) continue;
    await table.createIndex(column, { config: kind === 'btree' ? lancedb.Index.btree() : lancedb.Index.bitmap(), name });
    created.push(name);
  }
  if (!existing.has(VECTOR_INDEX) && rows >= opts.vectorIndexMinRows) {
    await table.createIndex('vector', {
      name: VECTOR_INDEX,
      // one HNSW graph up to a few million rows; SQ keeps 1 byte per dimension
      config: lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: 20, efConstruction: 150 }),
    });
    created.push(VECTOR_INDEX);
  }
  return { rows, created, durationMs: performance.now() - started };
}

function ignoreExists(err: unknown): void {
  // another writer created it between our check and our create
  if (err instanceof Error && /already exists/i.test(err.message)) return;
  throw err;
}
