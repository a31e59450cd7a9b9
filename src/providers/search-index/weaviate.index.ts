import type { Collection, WeaviateClient } from 'weaviate-client';
import type { Creator, CreatorKey, HybridQuery, SearchHit } from '../../domain/creator.js';
import { ProviderError } from '../../errors.js';
import type { Embedder } from '../embeddings/embedder.js';
import { creatorDocument } from '../embeddings/embedder.js';
import type { CallContext, Ledger } from '../ledger.js';
import { noJob } from '../ledger.js';
import { abortReason, attemptSignal } from '../http/abort.js';
import { CircuitBreakers } from '../http/circuit-breaker.js';
import type { BreakerState } from '../http/circuit-breaker.js';
import { chunk, forEachConcurrent } from '../../domain/concurrency.js';
import { withRetry } from '../http/retry.js';
import type { RetryPolicy } from '../http/retry.js';
import { IndexEmbedderMismatchError } from './creator-index.js';
import type { CreatorIndex, IndexedCreator, IndexInfo, IndexStats, RemoveSelector } from './creator-index.js';
import { StatsAccumulator } from './index-stats.js';
import { connectWeaviate } from './weaviate/connect.js';
import type { WeaviateConnection } from './weaviate/connect.js';
import { SERVICE, classify, isMissingCollection, toProviderError } from './weaviate/errors.js';
import { buildFilter, keysFilter, sourceFilter } from './weaviate/filters.js';
import {
  QUERY_PROPERTIES,
  VECTOR_NAME,
  collectionConfig,
  creatorProperties,
  creatorUuid,
  fromProperties,
  parseDescription,
  returnProperties,
  toProperties,
} from './weaviate/schema.js';
import type { IndexMeta } from './weaviate/schema.js';

export interface WeaviateIndexOptions extends WeaviateConnection {
  /** collection (class) name, e.g. "Creator" */
  collection: string;
  /** hybrid weight of the vector leg: 0 = keyword only, 1 = vector only */
  alpha: number;
  fusion: 'Ranked' | 'RelativeScore';
  embedder: Embedder;
  retry: RetryPolicy;
  breaker: { failureThreshold: number; cooldownMs: number };
  /** objects per batch request */
  batchSize?: number;
  /** how long a read of the embedder metadata (REST schema) is trusted; default 10 s */
  metaTtlMs?: number;
}

/** How long a read of the collection's embedder metadata is trusted before it is read again. */
const META_TTL_MS = 10_000;
const DEFAULT_BATCH = 250;
/**
 * Batches in flight at once. The client's insertMany polls its own serialisation every 500 ms, so
 * a batch never takes less than that; overlapping batches hides the idle wait.
 */
const BATCH_CONCURRENCY = 4;
const GET_CHUNK = 500;
/** objects per page when `stats` walks the collection with a cursor */
const STATS_PAGE = 1000;
const STATS_PROPERTIES = ['source', 'platform', 'updated_at', 'observed_at', 'observed_at_basis'];

type Prices = Ledger['prices'];
type Account = { units: Record<string, number>; costUsd: number };

/**
 * The production creator index on Weaviate through the official client (REST for schema, gRPC
 * for search and batches). Vectors are ours (no vectorizer module); hybrid search sends the query
 * vector with the text, so keyword and vector legs are fused server-side by `alpha` and the
 * configured fusion. Every attempt is a ledger row; transient failures (5xx, 429, UNAVAILABLE,
 * timeouts, unreachable) are retried with backoff behind a circuit breaker, then surface as one
 * ProviderError. The embedder that built the collection is recorded in its description.
 */
export class WeaviateIndex implements CreatorIndex {
  readonly backend = 'weaviate';
  private clientPromise: Promise<WeaviateClient> | null = null;
  private metaCache: { meta: IndexMeta | null; at: number } | null = null;
  private propertiesChecked = false;
  /** one per operation: gRPC search failing while REST schema reads succeed must still open its circuit */
  private readonly breakers: CircuitBreakers;

  constructor(
    private readonly opts: WeaviateIndexOptions,
    private readonly ledger: Ledger,
  ) {
    this.breakers = new CircuitBreakers(opts.breaker);
  }

  get location(): string {
    return `weaviate:${this.opts.url}#${this.opts.collection}`;
  }

  private get embedder(): Embedder {
    return this.opts.embedder;
  }

  private get prices(): Prices {
    return this.ledger.prices;
  }

  async open(): Promise<void> {
    await this.ensureCollection(noJob);
  }

  async upsert(batch: IndexedCreator[], ctx: CallContext): Promise<void> {
    if (batch.length === 0) return;
    const byKey = new Map<string, IndexedCreator>();
    for (const item of batch) {
      if (item.vector.length !== this.embedder.dimension) {
        throw new RangeError(
          `vector of ${item.creator.key} has ${item.vector.length} dimensions, the embedder ${this.embedder.id} has ${this.embedder.dimension}`,
        );
      }
      byKey.set(item.creator.key, item);
    }
    await this.writableCollection(ctx);
    const objects = [...byKey.values()].map(({ creator, vector }) => ({
      id: creatorUuid(creator.key),
      properties: toProperties(creator, creatorDocument(creator)),
      // the client sends arrays; a Float32Array would go as an object of indexes
      vectors: { [VECTOR_NAME]: Array.from(vector) },
    }));
    // the first rejected batch stops new ones from starting (those in flight finish) and is thrown
    await forEachConcurrent(chunk(objects, this.opts.batchSize ?? DEFAULT_BATCH), BATCH_CONCURRENCY, async (batch) => {
      const account = (): Account => ({
        units: { objects: batch.length },
        costUsd: (batch.length / 1000) * this.prices.weaviateUpsertPer1k,
      });
      await this.call(ctx, 'upsert', account, async (col) => {
        const res = await col.data.insertMany(batch);
        if (res.hasErrors) {
          const errors = Object.values(res.errors);
          throw new ProviderError(
            SERVICE,
            'upsert',
            `${errors.length} of ${batch.length} objects rejected: ${errors[0]?.message ?? 'unknown error'}`,
            { status: 422, retryable: false },
          );
        }
      });
    });
  }

  async hybridSearch(query: HybridQuery, ctx: CallContext): Promise<SearchHit[]> {
    const limit = Math.max(1, Math.floor(query.limit));
    const vector = query.vector ?? (await this.embedder.embed([query.text], ctx))[0]!;
    if (vector.length !== this.embedder.dimension) {
      throw new RangeError(`query vector has ${vector.length} dimensions, the embedder ${this.embedder.id} has ${this.embedder.dimension}`);
    }
    const meta = await this.meta(ctx);
    if (meta === null) return [];
    this.assertEmbedder(meta);
    const filters = buildFilter(query.filters, query.excludeKeys);
    const hasText = query.text.trim() !== '';
    // a text with no features embeds to zero, which has no direction to compare
    const hasVector = vector.some((x) => x !== 0);
    if (!hasText && !hasVector) return [];
    const account = (hits: SearchHit[]): Account => ({
      units: { queries: 1, results: hits.length },
      costUsd: this.prices.weaviateQueryPer1k / 1000,
    });
    return this.call(
      ctx,
      'hybrid_search',
      account,
      async (col) => {
        const common = { limit, filters, returnProperties };
        if (hasText && hasVector) {
          const res = await col.query.hybrid(query.text, {
            ...common,
            vector,
            targetVector: VECTOR_NAME,
            alpha: this.opts.alpha,
            fusionType: this.opts.fusion,
            queryProperties: QUERY_PROPERTIES,
            returnMetadata: ['score'],
          });
          return res.objects.map((o) => ({ creator: fromProperties(o.properties), score: o.metadata?.score ?? 0 }));
        }
        if (hasText) {
          const res = await col.query.bm25(query.text, { ...common, queryProperties: QUERY_PROPERTIES, returnMetadata: ['score'] });
          return res.objects.map((o) => ({ creator: fromProperties(o.properties), score: o.metadata?.score ?? 0 }));
        }
        const res = await col.query.nearVector(vector, { ...common, targetVector: VECTOR_NAME, returnMetadata: ['distance'] });
        return res.objects.map((o) => ({ creator: fromProperties(o.properties), score: 1 - (o.metadata?.distance ?? 1) }));
      },
      () => [],
    );
  }

  async get(keys: CreatorKey[], ctx: CallContext = noJob): Promise<Creator[]> {
    const unique = [...new Set(keys)];
    const found = new Map<string, Creator>();
    for (let i = 0; i < unique.length; i += GET_CHUNK) {
      const chunk = unique.slice(i, i + GET_CHUNK);
      const account = (creators: Creator[]): Account => ({
        units: { queries: 1, objects: creators.length },
        costUsd: this.prices.weaviateQueryPer1k / 1000,
      });
      const creators = await this.call(
        ctx,
        'get',
        account,
        async (col) => {
          const res = await col.query.fetchObjects({ filters: keysFilter(chunk), limit: chunk.length, returnProperties });
          return res.objects.map((o) => fromProperties(o.properties));
        },
        () => [],
      );
      for (const c of creators) found.set(c.key, c);
    }
    return unique.flatMap((k) => found.get(k) ?? []);
  }

  async remove(selector: RemoveSelector, ctx: CallContext = noJob): Promise<number> {
    const keys = selector.keys ? [...new Set(selector.keys)] : null;
    if (keys && keys.length === 0) return 0;
    const filters = keys
      ? Array.from({ length: Math.ceil(keys.length / GET_CHUNK) }, (_, i) => keysFilter(keys.slice(i * GET_CHUNK, (i + 1) * GET_CHUNK)))
      : [sourceFilter(selector.source!)];
    let removed = 0;
    for (const where of filters) {
      removed += await this.call(
        ctx,
        'remove',
        (n: number) => ({ units: { objects: n }, costUsd: 0 }),
        async (col) => {
          const res = await col.data.deleteMany(where);
          if (res.failed > 0) {
            throw new ProviderError(SERVICE, 'remove', `${res.failed} of ${res.matches} objects could not be deleted`, { status: 500, retryable: true });
          }
          return res.successful;
        },
        () => 0,
      );
    }
    return removed;
  }

  /**
   * Walks the collection with a cursor, a page of five short properties at a time (Weaviate's
   * aggregations cannot group by two properties at once); an operator command, not a hot path.
   */
  async stats(opts: { maxAgeDays: number; now?: number }): Promise<IndexStats> {
    const acc = new StatsAccumulator(opts, null);
    let after: string | undefined;
    for (;;) {
      const page = await this.call(
        noJob,
        'stats_page',
        (objects: { uuid: string }[]) => ({ units: { queries: 1, objects: objects.length }, costUsd: this.prices.weaviateQueryPer1k / 1000 }),
        async (col) => (await col.query.fetchObjects({ limit: STATS_PAGE, after, returnProperties: STATS_PROPERTIES as never })).objects,
        () => [],
      );
      for (const o of page) {
        const c = fromProperties(o.properties as Record<string, unknown>);
        acc.add({ source: c.source, platform: c.platform, observedAt: c.observedAt, observedAtBasis: c.observedAtBasis });
      }
      if (page.length < STATS_PAGE) break;
      after = page[page.length - 1]!.uuid;
    }
    return acc.result();
  }

  async vectors(keys: CreatorKey[], ctx: CallContext = noJob): Promise<Map<CreatorKey, number[]>> {
    const unique = [...new Set(keys)];
    const out = new Map<CreatorKey, number[]>();
    for (let i = 0; i < unique.length; i += GET_CHUNK) {
      const chunk = unique.slice(i, i + GET_CHUNK);
      const account = (rows: unknown[]): Account => ({
        units: { queries: 1, objects: rows.length },
        costUsd: this.prices.weaviateQueryPer1k / 1000,
      });
      const rows = await this.call(
        ctx,
        'get_vectors',
        account,
        async (col) => {
          const res = await col.query.fetchObjects({
            filters: keysFilter(chunk),
            limit: chunk.length,
            returnProperties: ['key'],
            includeVector: [VECTOR_NAME],
          });
          return res.objects.map((o) => ({ key: o.properties.key as CreatorKey, vector: o.vectors[VECTOR_NAME] as number[] | undefined }));
        },
        () => [],
      );
      for (const r of rows) if (r.vector) out.set(r.key, Array.from(r.vector));
    }
    return out;
  }

  async count(): Promise<number> {
    return this.call(
      noJob,
      'count',
      () => ({ units: { queries: 1 }, costUsd: this.prices.weaviateQueryPer1k / 1000 }),
      async (col) => (await col.aggregate.overAll()).totalCount,
      () => 0,
    );
  }

  async info(): Promise<IndexInfo> {
    const meta = await this.meta(noJob, true);
    return {
      backend: this.backend,
      embedder: meta?.embedder ?? null,
      dimension: meta?.dimension ?? null,
      count: meta === null ? 0 : await this.count(),
    };
  }

  /** Circuit state per operation used so far (hybrid_search, get, count, upsert, read_schema, …). */
  breakerStates(): Record<string, BreakerState> {
    return this.breakers.states();
  }

  /** Readiness of the server (REST /.well-known/ready); no retries, no ledger row. */
  async ping(): Promise<void> {
    try {
      const client = await this.client();
      if (!(await client.isReady())) throw new ProviderError(SERVICE, 'ping', 'Weaviate is not ready', { status: 503, retryable: true });
    } catch (err) {
      throw toProviderError('ping', err);
    }
  }

  /** Drops the collection and creates it again for the configured embedder. */
  async reset(): Promise<void> {
    await this.call(
      noJob,
      'reset',
      () => ({ units: {}, costUsd: 0 }),
      async (_col, client) => {
        await client.collections.delete(this.opts.collection);
      },
      () => undefined,
    );
    this.metaCache = null;
    await this.ensureCollection(noJob);
  }

  async close(): Promise<void> {
    const pending = this.clientPromise;
    this.clientPromise = null;
    if (pending) await pending.then((c) => c.close()).catch(() => {});
  }

  /** One logical call: retried attempts, each a ledger row, each bounded by the timeout and the caller's signal. */
  private call<T>(
    ctx: CallContext,
    operation: string,
    account: (result: T) => Account,
    fn: (col: Collection, client: WeaviateClient) => Promise<T>,
    whenMissing?: () => T,
  ): Promise<T> {
    const attempt = () =>
      this.ledger.track(
        ctx,
        SERVICE,
        operation,
        async () => {
          try {
            const work = this.client().then((client) => fn(client.collections.use(this.opts.collection), client));
            const result = await bounded(work, attemptSignal(this.opts.timeoutMs, ctx.signal));
            return { result, ...account(result) };
          } catch (err) {
            if (whenMissing && isMissingCollection(err)) {
              this.metaCache = null;
              const result = whenMissing();
              return { result, ...account(result) };
            }
            throw toProviderError(operation, err);
          }
        },
        (err) => ({ httpStatus: err instanceof ProviderError ? err.options.status : undefined }),
      );
    return withRetry(attempt, {
      ...this.opts.retry,
      service: SERVICE,
      operation,
      signal: ctx.signal,
      breaker: this.breakers.for(operation),
      classify,
    });
  }

  private client(): Promise<WeaviateClient> {
    if (!this.clientPromise) {
      const pending = connectWeaviate(this.opts);
      this.clientPromise = pending;
      pending.catch(() => {
        if (this.clientPromise === pending) this.clientPromise = null;
      });
    }
    return this.clientPromise;
  }

  /** The recorded embedder, or null when the collection does not exist (cached for META_TTL_MS). */
  private async meta(ctx: CallContext, fresh = false): Promise<IndexMeta | null> {
    const ttl = this.opts.metaTtlMs ?? META_TTL_MS;
    if (!fresh && this.metaCache && performance.now() - this.metaCache.at < ttl) return this.metaCache.meta;
    let meta: IndexMeta | null;
    try {
      meta = await this.call<IndexMeta | null>(
        ctx,
        'read_schema',
        () => ({ units: {}, costUsd: 0 }),
        async (col) => parseDescription((await col.config.get()).description),
        () => null,
      );
    } catch (err) {
      // REST down while gRPC serves: searches go on with the embedder metadata last read (a
      // collection rebuilt meanwhile by another embedder still fails on its vector size).
      if (!fresh && this.metaCache && !ctx.signal?.aborted && err instanceof ProviderError && err.options.retryable) return this.metaCache.meta;
      throw err;
    }
    this.metaCache = { meta, at: performance.now() };
    return meta;
  }

  private async ensureCollection(ctx: CallContext): Promise<IndexMeta> {
    const existing = await this.meta(ctx, true);
    if (existing) {
      if (!this.propertiesChecked) await this.addMissingProperties(ctx);
      return existing;
    }
    const meta = { embedder: this.embedder.id, dimension: this.embedder.dimension };
    await this.call(ctx, 'create_collection', () => ({ units: {}, costUsd: 0 }), async (_col, client) => {
      try {
        await client.collections.create(collectionConfig(this.opts.collection, meta));
      } catch (err) {
        // another process created it between our check and now
        if (!/already exists/i.test(err instanceof Error ? err.message : String(err))) throw err;
      }
    });
    return (await this.meta(ctx, true)) ?? meta;
  }

  /**
   * A collection created by an older version lacks properties added since (the per-niche
   * probabilities): they are added, once per process, so that writes and reads of them work;
   * creators written before have no value for them (no niches) until re-imported.
   */
  private async addMissingProperties(ctx: CallContext): Promise<void> {
    await this.call(ctx, 'add_properties', () => ({ units: {}, costUsd: 0 }), async (col) => {
      const have = new Set((await col.config.get()).properties.map((p) => p.name));
      for (const p of creatorProperties) if (!have.has(p.name)) await col.config.addProperty(p);
    });
    this.propertiesChecked = true;
  }

  /** The collection to write to; an empty one built by another embedder is rebuilt, a filled one refused. */
  private async writableCollection(ctx: CallContext): Promise<void> {
    const meta = await this.ensureCollection(ctx);
    if (this.matches(meta)) return;
    if ((await this.count()) > 0) this.assertEmbedder(meta);
    await this.reset();
  }

  private matches(meta: IndexMeta): boolean {
    return meta.embedder === this.embedder.id && (meta.dimension === null || meta.dimension === this.embedder.dimension);
  }

  private assertEmbedder(meta: IndexMeta): void {
    if (!this.matches(meta)) throw new IndexEmbedderMismatchError(meta.embedder ?? 'unknown', this.embedder.id);
  }
}

/** Stops waiting when `signal` fires (the client's own call may still finish in the background). */
function bounded<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
