import { mkdir, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { Connection, Table } from '@lancedb/lancedb';
import type { Creator, CreatorKey, HybridQuery, SearchHit } from '../../domain/creator.js';
import type { Embedder } from '../embeddings/embedder.js';
import { creatorDocument } from '../embeddings/embedder.js';
import type { CallContext, Ledger } from '../ledger.js';
import { noJob } from '../ledger.js';
import { IndexEmbedderMismatchError, IndexNichesMissingError } from './creator-index.js';
import type { CreatorIndex, IndexedCreator, IndexInfo, IndexStats, RemoveSelector, UpsertOptions } from './creator-index.js';
import { StatsAccumulator } from './index-stats.js';
import {
  META_DIMENSION,
  addedColumns,
  META_EMBEDDER,
  TABLE_NAME,
  creatorColumnsOf,
  creatorSchema,
  fromArrowTable,
  fromPayload,
  nicheColumns,
  PAYLOAD_COLUMN,
} from './lancedb/arrow.js';
import type * as Arrow from 'apache-arrow';
import { KeywordExpansion, booleanKeywordQuery, expandedKeywordLeg } from './lancedb/expansion.js';
import { buildWhere, keysWhere, sqlString } from './lancedb/filters.js';
import {
  DEFAULT_VECTOR_INDEX_MIN_ROWS,
  FTS_INDEX,
  hasIndex,
  optimizeTable,
} from './lancedb/maintenance.js';
import type { OptimizeReport } from './lancedb/maintenance.js';
import { reciprocalRankFusion } from '../../domain/rank-fusion.js';
import { TableWriter } from './lancedb/table-writer.js';
import { repeatableTop } from './lancedb/full-text-top.js';
import type { ArrowRows } from './lancedb/full-text-top.js';
import { IndexVocabulary } from './lancedb/vocabulary.js';

export interface LanceDbIndexOptions {
  dir: string;
  embedder: Embedder;
  /** build the HNSW vector index once the table has this many rows (flat search below) */
  vectorIndexMinRows?: number;
  /** add word-vector neighbours of the query's words to the keyword leg when the embedder has them (default true) */
  expandKeywords?: boolean;
  /** leg depth and HNSW breadth: what is given (not undefined) replaces DEFAULT_SEARCH_TUNING's (resolveTuning); benchmarks compare settings */
  tuning?: SearchTuningOptions;
  /** the expanded keyword leg's plan: one boolean query up to this many rows, two match queries above (default BOOLEAN_KEYWORD_MAX_ROWS) */
  booleanKeywordMaxRows?: number;
}

interface TableMeta {
  embedder: string | null;
  dimension: number | null;
}

/**
 * How deep each leg goes and how hard the vector leg searches. Each leg fetches `legDepth` × what
 * the caller wants so that fusion can promote items found by both; the HNSW breadth is
 * ef = `efPerResult` × leg limit (at least MIN_EF and leg limit × refine factor, as HNSW needs);
 * refining re-ranks the SQ-quantised candidates with full vectors. The defaults are the point of
 * the recall/latency curve `bench:search` measures (bench/RESULTS.md, docs/operations.md "Search tuning").
 */
export interface VectorSearchTuning {
  legDepth: number;
  efPerResult: number;
  refineFactor: number;
  /**
   * From `minRows` rows on, the breadth per leg result is this `efPerResult` instead: an HNSW graph's
   * recall at a fixed breadth falls as it grows. null: `efPerResult` at every size.
   */
  large: { minRows: number; efPerResult: number } | null;
}
/**
 * ef × 8 without refining (refine factor 0: the leg is ranked by the SQ-quantised distances), ef × 24
 * from 500k rows on. A refine factor of 1 is not "no refine": it re-reads the leg's 100 full vectors
 * from disk to re-rank them, a take that costs ~3 ms CPU a search at 23k (17 % of it) for hybrid
 * recall@50 0.993 against 0.986 without (bench:search; 0.985 against 0.972 at 100k, 0.970 against
 * 0.960 at 1M, where it is ~15 % of the CPU too). At 1M, ef × 16 gave hybrid recall@50 0.965–0.971
 * where × 8 gave 0.951–0.964 (bench:search runs on three builds of the index), for 2–8 % more CPU;
 * at 100k it gained 0.001–0.004. The graph built with ef_construction 100 (a quarter less build
 * time than 150) gave 0.959 at × 16; × 24 on it restores the margin; the graph of 64 (VECTOR_GRAPH,
 * a third less again) gave 0.961 at × 24 (see docs/operations.md "Search tuning").
 */
export const DEFAULT_SEARCH_TUNING: VectorSearchTuning = { legDepth: 2, efPerResult: 8, refineFactor: 0, large: { minRows: 500_000, efPerResult: 24 } };
const MAX_LEG_LIMIT = 2_000;

/** Some of the tuning (the SEARCH_* variables an operator set, a benchmark's setting); undefined is "the default". */
export interface SearchTuningOptions {
  legDepth?: number | undefined;
  efPerResult?: number | undefined;
  refineFactor?: number | undefined;
  /** null: one breadth at every size */
  large?: { minRows?: number | undefined; efPerResult?: number | undefined } | null | undefined;
}

/** DEFAULT_SEARCH_TUNING with what `opts` sets in its place, field by field (the large-table breadth's two as well). */
export function resolveTuning(opts: SearchTuningOptions = {}, defaults: VectorSearchTuning = DEFAULT_SEARCH_TUNING): VectorSearchTuning {
  const pick = <T>(given: T | undefined, def: T): T => (given === undefined ? def : given);
  let large: VectorSearchTuning['large'] = defaults.large;
  if (opts.large === null) large = null;
  else if (opts.large && (opts.large.minRows !== undefined || opts.large.efPerResult !== undefined)) {
    const base = defaults.large ?? { minRows: 0, efPerResult: pick(opts.efPerResult, defaults.efPerResult) };
    large = { minRows: pick(opts.large.minRows, base.minRows), efPerResult: pick(opts.large.efPerResult, base.efPerResult) };
  }
  return {
    legDepth: pick(opts.legDepth, defaults.legDepth),
    efPerResult: pick(opts.efPerResult, defaults.efPerResult),
    refineFactor: pick(opts.refineFactor, defaults.refineFactor),
    large,
  };
}
/**
 * Up to this many rows the expanded keyword leg runs as one boolean query, above it as two match
 * queries (expandedKeywordLeg): both give the boolean's scores, and LanceDB's cost of the boolean
 * grows with the table (bench:search, one leg p50: 6.6 ms at 23k, 13.6 at 100k, 88.9 at 1M) while
 * the two queries' cost barely does (13.3, 17.7, 30.9 ms).
 */
export const BOOLEAN_KEYWORD_MAX_ROWS = 200_000;
const MIN_EF = 100;

/** How deep each leg of a search for `limit` results in a table of `rows` goes, and the HNSW breadth of its vector leg. */
export function legParams(limit: number, rows: number, tuning: VectorSearchTuning = DEFAULT_SEARCH_TUNING): { legLimit: number; ef: number; refineFactor: number } {
  const legLimit = Math.min(MAX_LEG_LIMIT, Math.max(1, Math.round(limit * tuning.legDepth)));
  const refineFactor = Math.max(0, Math.round(tuning.refineFactor));
  const perResult = tuning.large && rows >= tuning.large.minRows ? tuning.large.efPerResult : tuning.efPerResult;
  const ef = Math.max(MIN_EF, Math.round(legLimit * perResult), legLimit * Math.max(1, refineFactor));
  return { legLimit, ef, refineFactor };
}
/** The HNSW breadth and (unless 0) the refine factor of `legParams` applied to a vector query. */
export function annParams(q: lancedb.VectorQuery, { ef, refineFactor }: { ef: number; refineFactor: number }): lancedb.VectorQuery {
  return refineFactor > 0 ? q.ef(ef).refineFactor(refineFactor) : q.ef(ef);
}
const GET_CHUNK = 500;
/** The row id column a query returns with `withRowId()` (bigint: a version's fragment and offset). */
const ROW_ID = '_rowid';

/** What a search reads of the table before its legs (LanceDbIndex.shapeOf). */
interface TableShape {
  schema: Arrow.Schema;
  /** the full-text index exists (the keyword leg can run) */
  fts: boolean;
  rows: number;
  /** read by an earlier search of the same version, not now */
  remembered: boolean;
}

/**
 * The embedded creator index: one LanceDB table on local disk with a BM25 full-text index on the
 * creator document, an HNSW_SQ vector index (once big enough) and scalar indexes on the filter
 * columns. Hybrid search runs both legs with the hard filters pushed down and fuses them with RRF.
 *
 * The API process searches while a CLI import writes: reads check for new versions on every call
 * (readConsistencyInterval 0), and a handle left behind by another process's reset is reopened.
 * The embedder that built the vectors is recorded in the table's schema metadata.
 */
export class LanceDbIndex implements CreatorIndex {
  readonly backend = 'lancedb';
  private readonly dir: string;
  private readonly embedder: Embedder;
  private readonly vectorIndexMinRows: number;
  private readonly booleanKeywordMaxRows: number;
  private db: Connection | null = null;
  private table: Table | null = null;
  /** serialises this process's writes; concurrent merge-inserts on one table only conflict */
  private writeChain: Promise<unknown> = Promise.resolve();
  private writer = new TableWriter();
  private warming: Promise<void> | null = null;
  private readonly expansion: KeywordExpansion | null;
  /** the documents' words the expansion may ask about; only with an expanding embedder */
  readonly vocabulary: IndexVocabulary | null;
  /** the leg depth and HNSW breadth its searches use */
  readonly tuning: VectorSearchTuning;
  /** the last table version a search saw, and its shape (see shapeOf) */
  private shape: { table: Table; version: number; shape: TableShape } | null = null;

  get location(): string {
    return `lancedb:${path.resolve(this.dir)}`;
  }

  constructor(opts: LanceDbIndexOptions, private readonly ledger: Ledger) {
    this.dir = opts.dir;
    this.embedder = opts.embedder;
    const expands = (opts.expandKeywords ?? true) && opts.embedder.relatedWords !== undefined;
    this.vocabulary = expands && opts.embedder.relatedVocabulary ? new IndexVocabulary(opts.dir, opts.embedder.id) : null;
    this.expansion = expands ? new KeywordExpansion(opts.embedder, this.vocabulary) : null;
    this.vectorIndexMinRows = opts.vectorIndexMinRows ?? DEFAULT_VECTOR_INDEX_MIN_ROWS;
    this.booleanKeywordMaxRows = opts.booleanKeywordMaxRows ?? BOOLEAN_KEYWORD_MAX_ROWS;
    this.tuning = resolveTuning(opts.tuning);
  }

  async open(): Promise<void> {
    await this.connection();
    await this.currentTable(true);
  }

  async upsert(batch: IndexedCreator[], ctx: CallContext, opts: UpsertOptions = {}): Promise<void> {
    if (batch.length === 0) return;
    const byKey = new Map<string, IndexedCreator>();
    for (const item of batch) byKey.set(item.creator.key, item);
    const rows = [...byKey.values()].map((b) => ({ creator: b.creator, doc: creatorDocument(b.creator), vector: b.vector }));
    // a key twice in one batch: the words given may include those of the copy that lost
    const words = byKey.size === batch.length ? opts.documentWords : undefined;
    await this.exclusive(() =>
      this.ledger.track(ctx, 'index', 'upsert', async () => {
        const table = await this.writableTable();
        const { replaced } = await this.writer.write(table, rows, words);
        // a rewritten creator may no longer use words the vocabulary lists for it
        if (replaced > 0) await this.vocabulary?.invalidate();
        return { result: undefined, units: { objects: rows.length }, costUsd: 0 };
      }),
    );
  }

  /**
   * Compacts, folds new rows into the indexes and builds missing ones. Call once after a bulk
   * import; upserts are searchable without it, only slower.
   */
  async optimize(): Promise<OptimizeReport> {
    return this.exclusive(() => {
      // the words of a bulk load through this object, when they are all of the table's
      const written = this.writer;
      this.writer = new TableWriter();
      return this.withTable(
        async (table) => {
          const documentWords = await written.documentWords(table);
          const report = await optimizeTable(table, { vectorIndexMinRows: this.vectorIndexMinRows });
          if (this.vocabulary && this.embedder.relatedVocabulary) {
            const t0 = performance.now();
            const keep = await this.embedder.relatedVocabulary();
            if (documentWords) await this.vocabulary.save(documentWords, report.rows, keep);
            else await this.vocabulary.build(table, keep);
            report.steps.vocabulary = performance.now() - t0;
            report.durationMs += report.steps.vocabulary;
          }
          return report;
        },
        (): OptimizeReport => ({ rows: 0, created: [], steps: {}, durationMs: 0 }),
      );
    });
  }

  async hybridSearch(query: HybridQuery, ctx: CallContext): Promise<SearchHit[]> {
    const limit = Math.max(1, Math.floor(query.limit));
    const where = buildWhere(query.filters, query.excludeKeys);
    const vector = query.vector ?? (await this.embedder.embed([query.text], ctx))[0]!;
    if (vector.length !== this.embedder.dimension) {
      throw new RangeError(`query vector has ${vector.length} dimensions, the embedder ${this.embedder.id} has ${this.embedder.dimension}`);
    }
    return this.ledger.track(ctx, 'index', 'hybrid_search', async () => {
      const search = async (t: Table, shape: TableShape) => {
        this.assertEmbedder(metaOfSchema(shape.schema));
        if (query.filters.niches && !shape.schema.fields.some((f) => f.name === nicheColumns[0])) {
          throw new IndexNichesMissingError();
        }
        return this.searchLegs(t, shape, query.text, vector, where, limit);
      };
      const hits = await this.withTable(async (t) => {
        const shape = await this.shapeOf(t);
        try {
          return await search(t, shape);
        } catch (err) {
          // a table dropped and rebuilt by another process can reach the version remembered of
          // the old one: a failure with a remembered shape is retried with a freshly read one
          if (!shape.remembered) throw err;
          this.shape = null;
          return search(t, await this.shapeOf(t));
        }
      }, (): SearchHit[] => []);
      return { result: hits, units: { queries: 1, results: hits.length }, costUsd: 0 };
    });
  }

  async get(keys: CreatorKey[], _ctx: CallContext = noJob): Promise<Creator[]> {
    const unique = [...new Set(keys)];
    if (unique.length === 0) return [];
    return this.withTable(async (t) => {
      const found = await readCreators(t, await t.schema(), unique);
      return unique.flatMap((k) => found.get(k) ?? []);
    }, () => []);
  }

  async remove(selector: RemoveSelector, ctx: CallContext = noJob): Promise<number> {
    const keys = selector.keys ? [...new Set(selector.keys)] : null;
    if (keys && keys.length === 0) return 0;
    const predicates = keys
      ? Array.from({ length: Math.ceil(keys.length / GET_CHUNK) }, (_, i) => keysWhere(keys.slice(i * GET_CHUNK, (i + 1) * GET_CHUNK)))
      : [`source = ${sqlString(selector.source!)}`];
    return this.exclusive(() =>
      this.ledger.track(ctx, 'index', 'remove', async () => {
        let removed = 0;
        await this.withTable(async (t) => {
          for (const where of predicates) removed += (await t.delete(where)).numDeletedRows;
        }, () => undefined);
        // the append-only fast path must not take a removed key for one still present
        this.writer.forget();
        // nor the expansion a removed creator's words for words still in the index
        if (removed > 0) await this.vocabulary?.invalidate();
        return { result: removed, units: { objects: removed }, costUsd: 0 };
      }),
    );
  }

  async vectors(keys: CreatorKey[], _ctx: CallContext = noJob): Promise<Map<CreatorKey, number[]>> {
    const unique = [...new Set(keys)];
    const out = new Map<CreatorKey, number[]>();
    if (unique.length === 0) return out;
    return this.withTable(async (t) => {
      for (let i = 0; i < unique.length; i += GET_CHUNK) {
        const chunk = unique.slice(i, i + GET_CHUNK);
        const rows = await t.query().where(keysWhere(chunk)).select(['key', 'vector']).limit(chunk.length).toArrow();
        const key = rows.getChild('key');
        const vector = rows.getChild('vector');
        for (let r = 0; r < rows.numRows; r++) {
          const v = vector?.get(r) as { toArray(): ArrayLike<number> } | null;
          if (v) out.set(key!.get(r) as CreatorKey, Array.from(v.toArray()));
        }
      }
      return out;
    }, () => out);
  }

  async count(): Promise<number> {
    return this.withTable((t) => t.countRows(), () => 0);
  }

  async stats(opts: { maxAgeDays: number; now?: number }): Promise<IndexStats> {
    const acc = new StatsAccumulator(opts, await directoryBytes(this.dir));
    await this.withTable(async (t) => {
      const names = new Set((await t.schema()).fields.map((f) => f.name));
      const columns = ['source', 'platform', 'updated_at', ...['observed_at', 'observed_at_basis'].filter((c) => names.has(c))];
      // streamed batch by batch: four short columns of every row, never the whole table at once
      for await (const batch of t.query().select(columns)) {
        const col = (name: string) => batch.getChild(name);
        const [source, platform, updated, observed, basis] = [col('source'), col('platform'), col('updated_at'), col('observed_at'), col('observed_at_basis')];
        for (let i = 0; i < batch.numRows; i++) {
          acc.add({
            source: source!.get(i) as string,
            platform: platform!.get(i) as string,
            observedAt: (observed?.get(i) as string | null) ?? (updated!.get(i) as string),
            observedAtBasis: (basis?.get(i) as string | null) ?? 'import',
          });
        }
      }
    }, () => undefined);
    return acc.result();
  }

  async info(): Promise<IndexInfo> {
    return this.withTable(
      async (t) => {
        const meta = await this.metaOf(t);
        return { backend: this.backend, embedder: meta.embedder, dimension: meta.dimension, count: await t.countRows() };
      },
      () => ({ backend: this.backend, embedder: null, dimension: null, count: 0 }),
    );
  }

  async ping(): Promise<void> {
    const db = await this.connection();
    await db.tableNames();
    const table = await this.currentTable(false);
    if (table) await table.countRows();
  }

  async reset(): Promise<void> {
    await this.exclusive(async () => {
      const db = await this.connection();
      this.writer.forget();
      await this.vocabulary?.invalidate();
      this.table?.close();
      this.table = null;
      this.shape = null;
      if ((await db.tableNames()).includes(TABLE_NAME)) {
        await db.dropTable(TABLE_NAME).catch((err: unknown) => {
          if (!isMissingTable(err)) throw err;
        });
      }
    });
  }

  /**
   * Loads the full-text index into LanceDB's cache (146 MB on disk at 1M creators, 13 MB at 23k).
   * Without it every word a process has not searched yet costs a read and decode of its postings;
   * the vector index is left to load on demand.
   */
  warm(): Promise<void> {
    this.warming ??= this.withTable(async (t) => {
      if (await hasIndex(t, FTS_INDEX)) await t.prewarmIndex(FTS_INDEX);
    }, () => undefined);
    return this.warming;
  }

  async close(): Promise<void> {
    await this.warming?.catch(() => {});
    await this.writeChain.catch(() => {});
    this.table?.close();
    this.table = null;
    this.db?.close();
    this.db = null;
  }

  /**
   * The legs read keys, scores and row ids only; the winners' payloads (one column: the whole
   * creator as JSON) are read once they are known, by row id. Reading the payload of every
   * candidate in the legs (~210 rows at 23k, of which at most `limit` win) cost ~5 ms CPU a
   * search at 23k against ~3 ms for a take of the 50 winners (bench:search's spans). A winner the
   * take does not return as itself (the table changed between the legs and the take: row ids
   * address a version's fragments) is read by key instead, as are rows written before the payload
   * column existed (from the separate columns).
   */
  private async searchLegs(
    table: Table,
    { schema, fts, rows }: TableShape,
    text: string,
    vector: number[],
    where: string | null,
    limit: number,
  ): Promise<SearchHit[]> {
    const { legLimit, ef, refineFactor } = legParams(limit, rows, this.tuning);
    const rowIds = new Map<string, bigint>();
    /** the keys of a leg's read, noting their row ids */
    const noted = (result: ArrowRows, keys = keysOf(result)): string[] => {
      const ids = result.getChild(ROW_ID);
      if (ids) keys.forEach((k, i) => rowIds.set(k, ids.get(i) as bigint));
      return keys;
    };
    const keywordLeg = async (): Promise<string[]> => {
      if (text.trim() === '' || !fts) return [];
      const run = (match: lancedb.FullTextQuery, depth: number, only: string[] | null = null) => {
        const filter = only ? (where ? `(${where}) AND ${keysWhere(only)}` : keysWhere(only)) : where;
        return repeatableTop((n) => {
          let q = table.query().fullTextSearch(match).withRowId();
          if (filter) q = q.where(filter);
          return q.select(['key', '_score']).limit(n).toArrow();
        }, depth);
      };
      const { base, expansion } = this.expansion ? await this.expansion.queries(table, text) : { base: new lancedb.MatchQuery(text, 'doc'), expansion: null };
      if (!expansion) return noted(await run(base, legLimit));
      // Two exact plans with the same scores: on a small table one boolean query is cheaper, on a
      // big one the two early-stopping match queries are (BOOLEAN_KEYWORD_MAX_ROWS).
      if (rows <= this.booleanKeywordMaxRows) return noted(await run(booleanKeywordQuery(base, expansion.terms), legLimit));
      return expandedKeywordLeg(base, expansion.query, legLimit, async (match, depth, only) => {
        const result = await run(match, depth, only);
        return scoresOf(result, noted(result));
      });
    };
    const vectorLeg = async (): Promise<string[]> => {
      // a text with no features embeds to zero, which has no direction to compare
      if (!vector.some((x) => x !== 0)) return [];
      // Hard filters that leave few rows are searched exactly: a flat scan of them is as fast as
      // the graph, and a graph walk restricted to a small, scattered subset misses some of them.
      const flat = where !== null && (await table.countRows(where)) < this.vectorIndexMinRows;
      let q = table.vectorSearch(vector).distanceType('cosine').withRowId();
      q = flat ? q.bypassVectorIndex() : annParams(q, { ef, refineFactor });
      if (where) q = q.where(where);
      return noted(await q.select(['key', '_distance']).limit(legLimit).toArrow());
    };
    const [keyword, semantic] = await Promise.all([keywordLeg(), vectorLeg()]);
    const fused = reciprocalRankFusion([keyword, semantic]).slice(0, limit);
    if (fused.length === 0) return [];
    const winners = fused.map((f) => f.id);
    const withPayload = schema.fields.some((f) => f.name === PAYLOAD_COLUMN);
    const byKey = withPayload ? await payloadsByRowId(table, winners, rowIds) : new Map<string, Creator>();
    const missing = winners.filter((k) => !byKey.has(k));
    if (missing.length > 0) for (const [k, c] of await readCreators(table, schema, missing)) byKey.set(k, c);
    // a creator deleted between the legs and this read is simply left out
    return fused.flatMap(({ id, score }) => {
      const creator = byKey.get(id);
      return creator ? [{ creator, score }] : [];
    });
  }

  /**
   * What a search needs to know of the table (schema, full-text index, row count), read once per
   * table version: reading them costs ~0.6 ms a search (the schema's Arrow decoding most of it),
   * the version ~0.05 ms. It is remembered per table handle: after a reset this process opens a
   * new handle and reads it again; a table another process rebuilt is caught by hybridSearch's retry.
   */
  private async shapeOf(table: Table): Promise<TableShape> {
    const version = await table.version();
    const known = this.shape;
    if (known && known.table === table && known.version === version) return { ...known.shape, remembered: true };
    const [schema, fts, rows] = await Promise.all([table.schema(), hasIndex(table, FTS_INDEX), table.countRows()]);
    const shape = { schema, fts, rows, remembered: false };
    this.shape = { table, version, shape };
    return shape;
  }

  private async connection(): Promise<Connection> {
    if (!this.db) {
      reserveLanceCpuThreads();
      await mkdir(this.dir, { recursive: true });
      this.db = await lancedb.connect(this.dir, { readConsistencyInterval: 0 });
    }
    return this.db;
  }

  /** The open table, (re)opened from disk when needed; created when `create` and it does not exist. */
  private async currentTable(create: true): Promise<Table>;
  private async currentTable(create: boolean): Promise<Table | null>;
  private async currentTable(create: boolean): Promise<Table | null> {
    if (this.table) return this.table;
    const db = await this.connection();
    if ((await db.tableNames()).includes(TABLE_NAME)) {
      try {
        this.table = await db.openTable(TABLE_NAME);
        return this.table;
      } catch (err) {
        if (!isMissingTable(err)) throw err;
      }
    }
    if (!create) return null;
    this.table = await db.createEmptyTable(TABLE_NAME, creatorSchema(this.embedder.dimension, this.embedder.id), {
      existOk: true,
    });
    return this.table;
  }

  /**
   * Runs `fn` on the table; if another process dropped or replaced it under us, reopens once and
   * retries. `empty` answers when there is no table at all.
   */
  private async withTable<T>(fn: (t: Table) => Promise<T>, empty: () => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const table = await this.currentTable(false);
      if (!table) return empty();
      try {
        return await fn(table);
      } catch (err) {
        if (attempt > 0 || !isStaleHandle(err)) throw err;
        this.table?.close();
        this.table = null;
      }
    }
  }

  /** The table to write to, created if missing; an empty table built by another embedder is rebuilt. */
  private async writableTable(): Promise<Table> {
    const existing = await this.withTable<Table | null>(
      async (table) => {
        const meta = await this.metaOf(table);
        if (meta.embedder === this.embedder.id) return this.upgradeTable(table);
        if ((await table.countRows()) > 0) this.assertEmbedder(meta);
        const db = await this.connection();
        table.close();
        this.table = null;
        await db.dropTable(TABLE_NAME);
        await this.vocabulary?.invalidate();
        return this.currentTable(true);
      },
      () => null,
    );
    return existing ?? this.currentTable(true);
  }

  /**
   * Adds the columns a table built by an older version lacks (observed_at), filled from what it
   * has, so that writes keep every field; reads of an old table fall back the same way.
   */
  private async upgradeTable(table: Table): Promise<Table> {
    const names = new Set((await table.schema()).fields.map((f) => f.name));
    const missing = addedColumns.filter((c) => !names.has(c.name));
    if (missing.length > 0) {
      await table.addColumns(missing.map((c) => ({ ...c }))).catch((err: unknown) => {
        // another process added them first
        if (!/already exists|duplicate/i.test(message(err))) throw err;
      });
      this.writer.forget();
    }
    return table;
  }

  private async metaOf(table: Table): Promise<TableMeta> {
    return metaOfSchema(await table.schema());
  }

  private assertEmbedder(meta: TableMeta): void {
    if (meta.embedder !== this.embedder.id) {
      throw new IndexEmbedderMismatchError(meta.embedder ?? 'unknown', this.embedder.id);
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(fn, fn);
    this.writeChain = run.catch(() => {});
    return run;
  }
}

/**
 * Lance sizes its CPU pool as cores minus 2 (at least 1). With a single thread, building a
 * full-text index over more than ~12k documents deadlocks (lance-format/lance#7350: the posting
 * writer and the page encoder wait on each other). On 2-core machines we therefore ask for at least
 * two threads, unless the operator set LANCE_CPU_THREADS. It must be set before Lance's first use.
 */
function reserveLanceCpuThreads(): void {
  if (process.env.LANCE_CPU_THREADS === undefined) {
    process.env.LANCE_CPU_THREADS = String(Math.max(2, os.availableParallelism() - 2));
  }
}

function metaOfSchema(schema: Arrow.Schema): TableMeta {
  const embedder = schema.metadata.get(META_EMBEDDER) ?? null;
  const dim = schema.metadata.get(META_DIMENSION);
  return { embedder, dimension: dim === undefined ? null : Number(dim) };
}

/**
 * The creators of `keys` from their payloads, read by the row ids the search's legs returned; a
 * key whose row the table no longer has, or whose id now names another key's row (the table
 * changed since), is left out, for the caller to read by key.
 */
export async function payloadsByRowId(table: Table, keys: string[], rowIds: Map<string, bigint>): Promise<Map<string, Creator>> {
  const found = new Map<string, Creator>();
  const ids = keys.flatMap((k) => {
    const id = rowIds.get(k);
    return id === undefined ? [] : [id];
  });
  if (ids.length === 0) return found;
  const wanted = new Set(keys);
  // a row id the table's current version no longer has (rewritten, compacted away) is skipped
  const rows = await table.takeRowIds(ids).select(['key', PAYLOAD_COLUMN]).toArrow();
  const payload = rows.getChild(PAYLOAD_COLUMN);
  keysOf(rows).forEach((k, r) => {
    if (!wanted.has(k)) return;
    const creator = fromPayload(payload?.get(r) as string | null);
    if (creator) found.set(k, creator);
  });
  return found;
}

/**
 * Creators by key: from the payload column where the table has it and the row has one, else from
 * the separate columns (rows written before schema version 4).
 */
async function readCreators(table: Table, schema: Arrow.Schema, keys: string[]): Promise<Map<string, Creator>> {
  const found = new Map<string, Creator>();
  const withPayload = schema.fields.some((f) => f.name === PAYLOAD_COLUMN);
  for (let i = 0; i < keys.length; i += GET_CHUNK) {
    let chunk = keys.slice(i, i + GET_CHUNK);
    if (withPayload) {
      const rows = await table.query().where(keysWhere(chunk)).select(['key', PAYLOAD_COLUMN]).limit(chunk.length).toArrow();
      const payload = rows.getChild(PAYLOAD_COLUMN);
      keysOf(rows).forEach((k, r) => {
        const creator = fromPayload(payload?.get(r) as string | null);
        if (creator) found.set(k, creator);
      });
      chunk = chunk.filter((k) => !found.has(k));
      if (chunk.length === 0) continue;
    }
    const rows = await table.query().where(keysWhere(chunk)).select(creatorColumnsOf(schema)).limit(chunk.length).toArrow();
    for (const c of fromArrowTable(rows)) found.set(c.key, c);
  }
  return found;
}

/** Bytes under `dir` (every version and index file Lance keeps); 0 when it does not exist. */
async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    total += await stat(path.join(e.parentPath, e.name)).then((st) => st.size, () => 0);
  }
  return total;
}

/** key → `_score` of a full-text result (`keys` when they were read already) */
function scoresOf(rows: ArrowRows, keys: string[] = keysOf(rows)): Map<string, number> {
  const score = rows.getChild('_score');
  return new Map(keys.map((k, i) => [k, Number(score?.get(i) ?? 0)]));
}

function keysOf(table: ArrowRows): string[] {
  const col = table.getChild('key');
  const out: string[] = [];
  if (!col) return out;
  for (let i = 0; i < table.numRows; i++) out.push(col.get(i) as string);
  return out;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isMissingTable(err: unknown): boolean {
  return /not found|was not found|does not exist/i.test(message(err));
}

/** errors a handle shows after another process dropped, recreated or compacted the table */
function isStaleHandle(err: unknown): boolean {
  return isMissingTable(err) || /no such file|object at location .* not found/i.test(message(err));
}
