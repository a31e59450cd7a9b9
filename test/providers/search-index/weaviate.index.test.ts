import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { defaultPrices, loadConfig } from '../../../src/config.js';
import { ProviderError } from '../../../src/errors.js';
import type { Embedder } from '../../../src/providers/embeddings/embedder.js';
import { HashingEmbedder } from '../../../src/providers/embeddings/hashing.embedder.js';
import { noJob } from '../../../src/providers/ledger.js';
import { createCreatorIndex } from '../../../src/providers/search-index/create-index.js';
import { WeaviateIndex } from '../../../src/providers/search-index/weaviate.index.js';
import type { WeaviateIndexOptions } from '../../../src/providers/search-index/weaviate.index.js';
import { creatorUuid } from '../../../src/providers/search-index/weaviate/schema.js';
import { startWeaviateFake } from '../../fakes/weaviate.fake.js';
import type { WeaviateFake } from '../../fakes/weaviate.fake.js';
import { ledgerKit } from '../provider-kit.js';
import type { LedgerKit } from '../provider-kit.js';
import { creatorIndexContract, fixture, indexed } from './creator-index.contract.js';

const prices = { ...defaultPrices, weaviateQueryPer1k: 2, weaviateUpsertPer1k: 0.5 };
let fake: WeaviateFake;
let kit: LedgerKit;
let seq = 0;

before(async () => {
  fake = await startWeaviateFake();
  kit = await ledgerKit(prices);
});
after(async () => {
  await kit.cleanup();
  await fake.close();
});

function options(over: Partial<WeaviateIndexOptions> & { embedder: Embedder }): WeaviateIndexOptions {
  return {
    url: fake.url,
    grpcUrl: fake.grpcUrl,
    apiKey: fake.apiKey,
    collection: `Creator_${process.pid}_${++seq}`,
    alpha: 0.5,
    fusion: 'RelativeScore',
    timeoutMs: 5_000,
    retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 50 },
    breaker: { failureThreshold: 50, cooldownMs: 60_000 },
    ...over,
  };
}

creatorIndexContract('weaviate', async () => ({
  ledger: kit.ledger,
  async newStore() {
    const collection = `Contract_${process.pid}_${++seq}`;
    return { build: (embedder) => new WeaviateIndex(options({ embedder, collection }), kit.ledger) };
  },
  async cleanup() {},
}));

describe('WeaviateIndex against the Weaviate fake', () => {
  const open: WeaviateIndex[] = [];
  let embedder: HashingEmbedder;

  before(() => {
    embedder = new HashingEmbedder({ dimension: 64 }, kit.ledger);
  });
  afterEach(async () => {
    fake.clearFaults();
    for (const i of open.splice(0)) await i.close();
  });

  function make(over: Partial<WeaviateIndexOptions> = {}): WeaviateIndex {
    const index = new WeaviateIndex(options({ embedder, ...over }), kit.ledger);
    open.push(index);
    return index;
  }

  const calls = (target: string) => fake.calls.filter((c) => c.target === target).length;

  it('creates the collection when missing, with our schema and embedder, and reuses it when present', async () => {
    const collection = `Fresh_${++seq}`;
    const creates = calls('rest:POST /v1/schema');
    await make({ collection }).open();
    const stored = fake.store.find(collection);
    assert.ok(stored, 'collection created');
    assert.match(stored.schema.description ?? '', new RegExp(`embedder=${embedder.id}; dimension=64`));
    assert.deepEqual(Object.keys(stored.schema.vectorConfig ?? {}), ['default']);
    assert.deepEqual(stored.schema.vectorConfig!.default!.vectorizer, { none: {} });
    const byName = new Map(stored.schema.properties.map((p) => [p.name, p]));
    for (const name of ['key', 'platform', 'handle', 'display_name', 'bio', 'categories', 'topics', 'followers', 'following',
      'posts_count', 'engagement_rate', 'country', 'language', 'verified', 'profile_url', 'source', 'updated_at', 'doc']) {
      assert.ok(byName.has(name), `property ${name}`);
    }
    assert.deepEqual(byName.get('followers')!.dataType, ['int']);
    assert.deepEqual(byName.get('engagement_rate')!.dataType, ['number']);
    assert.deepEqual(byName.get('updated_at')!.dataType, ['date']);
    assert.equal(byName.get('country')!.tokenization, 'field');
    assert.equal(calls('rest:POST /v1/schema'), creates + 1);

    await make({ collection }).open();
    assert.equal(calls('rest:POST /v1/schema'), creates + 1, 'an existing collection is reused');
  });

  it('adds the niche properties to a collection created before them; its creators have no niches until re-imported', async () => {
    const collection = `Older_${++seq}`;
    const first = make({ collection });
    await first.open();
    await first.upsert(await indexed(embedder, fixture.slice(0, 2)), noJob);
    // as an older version left it: no niche properties, objects without them
    const stored = fake.store.find(collection)!;
    stored.schema = { ...stored.schema, properties: stored.schema.properties.filter((p) => !p.name.startsWith('niche_')) };
    for (const o of stored.objects.values()) {
      for (const k of Object.keys(o.properties)) if (k.startsWith('niche_')) delete o.properties[k];
    }
    const upgraded = make({ collection });
    await upgraded.open();
    const names = fake.store.find(collection)!.schema.properties.map((p) => p.name);
    assert.ok(names.includes('niche_food') && names.includes('niche_family'), names.join(', '));
    const [old] = await upgraded.get([fixture[0]!.key], noJob);
    assert.equal(old!.niches, undefined, 'written before: never classified');
    await upgraded.upsert(await indexed(embedder, fixture.slice(0, 1)), noJob);
    const [again] = await upgraded.get([fixture[0]!.key], noJob);
    assert.deepEqual(again!.niches, fixture[0]!.niches);
    const hits = await upgraded.hybridSearch({ text: 'vegan', filters: { niches: ['fitness'] }, limit: 5 }, noJob);
    assert.deepEqual(hits.map((h) => h.creator.key), [fixture[0]!.key]);
  });

  it('writes in gRPC batches with ids derived from the creator key, so re-imports replace', async () => {
    const collection = `Batches_${++seq}`;
    const index = make({ batchSize: 3, collection });
    await index.open();
    const batches = calls('grpc:BatchObjects');
    await index.upsert(await indexed(embedder, fixture), noJob);
    assert.equal(calls('grpc:BatchObjects'), batches + Math.ceil(fixture.length / 3));
    const stored = fake.store.find(collection)!;
    assert.deepEqual([...stored.objects.keys()].sort(), fixture.map((c) => creatorUuid(c.key)).sort());
    assert.equal(stored.objects.get(creatorUuid(fixture[0]!.key))!.vectors.default!.length, 64);
    await index.upsert(await indexed(embedder, fixture), noJob);
    assert.equal(await index.count(), fixture.length);
  });

  it('sends the query vector, alpha, fusion type and query properties from config', async () => {
    const index = make({ alpha: 0.3, fusion: 'Ranked' });
    await index.open();
    await index.upsert(await indexed(embedder, fixture), noJob);
    const [vector] = await embedder.embed(['vegan gym'], noJob);
    const hits = await index.hybridSearch({ text: 'vegan gym', vector, filters: {}, limit: 3 }, noJob);
    assert.equal(hits.length, 3);
    const req = fake.calls.filter((c) => c.target === 'grpc:Search').at(-1)!.request as {
      limit: number;
      hybridSearch: { alpha: number; fusionType: number; properties: string[]; query: string; vectors: unknown[] };
    };
    assert.equal(req.limit, 3);
    assert.ok(Math.abs(req.hybridSearch.alpha - 0.3) < 1e-6);
    assert.equal(req.hybridSearch.fusionType, 1, 'FUSION_TYPE_RANKED');
    assert.deepEqual(req.hybridSearch.properties, ['doc', 'categories^2']);
    assert.equal(req.hybridSearch.query, 'vegan gym');
    assert.equal(req.hybridSearch.vectors.length, 1);
    assert.ok(hits[0]!.score <= 1 / 60 + 1e-9, 'ranked fusion scores are reciprocal ranks');
  });

  it('alpha 0 ranks by keywords only, alpha 1 by the vector only', async () => {
    // two creators whose text and vector disagree: one matches the words, the other the vector
    const dim = 64;
    const axis = (i: number) => Array.from({ length: dim }, (_, j) => (j === i ? 1 : 0));
    const words = { ...fixture[0]!, key: 'instagram:words' as const, handle: 'words', bio: 'sourdough sourdough bread' };
    const near = { ...fixture[1]!, key: 'instagram:near' as const, handle: 'near', bio: 'nothing in common' };
    const items = [
      { creator: { ...words, categories: [], topics: [], displayName: null }, vector: axis(1) },
      { creator: { ...near, categories: [], topics: [], displayName: null }, vector: axis(0) },
    ];
    const query = { text: 'sourdough', vector: axis(0), filters: {}, limit: 5 };
    const collection = `Alpha_${++seq}`;
    const keyword = make({ alpha: 0, collection });
    await keyword.upsert(items, noJob);
    const kHits = await keyword.hybridSearch(query, noJob);
    assert.deepEqual(kHits.map((h) => h.creator.key), ['instagram:words'], 'keyword leg only: the vector match is absent');

    const vector = make({ alpha: 1, collection });
    const vHits = await vector.hybridSearch(query, noJob);
    assert.equal(vHits[0]!.creator.key, 'instagram:near');
    assert.ok(vHits[0]!.score > vHits[1]!.score);

    const mixed = make({ alpha: 0.5, collection });
    const mHits = await mixed.hybridSearch(query, noJob);
    assert.deepEqual(mHits.map((h) => h.creator.key).sort(), ['instagram:near', 'instagram:words']);
  });

  it('a wrong or missing API key is a clear, non-retried 401', async () => {
    for (const apiKey of ['not-the-key', undefined]) {
      const before = calls('rest:GET /v1/meta');
      const index = make({ apiKey });
      const err = await index.open().then(
        () => assert.fail('open must fail'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ProviderError, String(err));
      assert.equal(err.options.status, 401);
      assert.match(err.message, /authentication failed \(check WEAVIATE_API_KEY\)/);
      // one connection attempt (the client reads /v1/meta twice while connecting), no retries
      assert.equal(calls('rest:GET /v1/meta') - before, 2);
    }
  });

  it('retries transient faults (gRPC INTERNAL, REST 429) and records every attempt in the ledger', async () => {
    const index = make();
    fake.inject({ on: 'rest:/v1/schema', status: 429, retryAfterSeconds: 0, times: 1 });
    await index.open();
    await index.upsert(await indexed(embedder, fixture), { jobId: null });
    await kit.clear();
    fake.inject({ on: 'grpc:Search', status: 500, times: 1 });
    const [vector] = await embedder.embed(['running marathon'], noJob);
    const hits = await index.hybridSearch({ text: 'running marathon', vector, filters: {}, limit: 4 }, noJob);
    assert.equal(hits[0]!.creator.key, 'tiktok:runbarcelona');
    const rows = (await kit.rows('weaviate')).filter((r) => r.operation === 'hybrid_search');
    assert.deepEqual(rows.map((r) => [r.status, r.httpStatus]), [['error', 500], ['ok', null]]);
    assert.deepEqual(rows[1]!.units, { queries: 1, results: 4 });
    assert.ok(Math.abs(rows[1]!.costUsd - 0.002) < 1e-9, `cost ${rows[1]!.costUsd}`);
  });

  it('gives up with one ProviderError after the configured retries', async () => {
    const index = make();
    await index.open();
    fake.inject({ on: 'grpc:Aggregate', status: 500 });
    const before = calls('grpc:Aggregate');
    const err = await index.count().then(() => assert.fail('count must fail'), (e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.options.status, 500);
    assert.match(err.message, /^weaviate\.count: gave up after 3 attempts/);
    assert.equal(calls('grpc:Aggregate') - before, 3);
  });

  it('a hanging server times out with a clear ProviderError', async () => {
    const index = make({ timeoutMs: 800, retry: { maxRetries: 1, baseDelayMs: 5, maxDelayMs: 20 } });
    await index.open();
    fake.inject({ on: 'grpc:Search', hang: true });
    const [vector] = await embedder.embed(['vegan'], noJob);
    const before = calls('grpc:Search');
    const err = await index.hybridSearch({ text: 'vegan', vector, filters: {}, limit: 3 }, noJob).then(
      () => assert.fail('search must time out'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ProviderError);
    assert.equal(err.options.status, 504);
    assert.match(err.message, /gave up after 2 attempts \[timeout, timeout\]: timed out/);
    assert.equal(calls('grpc:Search') - before, 2);
  });

  it('a batch with rejected objects fails with the server\'s reason, without retries', async () => {
    const index = make();
    await index.open();
    fake.inject({ on: 'grpc:BatchObjects', objectError: 'invalid integer property', times: 1 });
    const before = calls('grpc:BatchObjects');
    const rejected = await index.upsert(await indexed(embedder, fixture.slice(0, 2)), noJob).then(
      () => assert.fail('upsert must fail'),
      (e: unknown) => e,
    );
    assert.ok(rejected instanceof ProviderError);
    assert.equal(rejected.options.status, 422);
    assert.match(rejected.message, /2 of 2 objects rejected: invalid integer property/);
    assert.equal(calls('grpc:BatchObjects') - before, 1);
  });

  it('rides out one gRPC UNAVAILABLE with our own retry, one ledger row per wire call', async () => {
    const index = make();
    await index.open();
    await index.upsert(await indexed(embedder, fixture), noJob);
    await kit.clear();
    const before = calls('grpc:Aggregate');
    fake.inject({ on: 'grpc:Aggregate', status: 503, times: 1 });
    assert.equal(await index.count(), fixture.length);
    assert.equal(calls('grpc:Aggregate') - before, 2, "the client's own UNAVAILABLE retries are off: our retry sent the second call");
    const rows = (await kit.rows('weaviate')).filter((r) => r.operation === 'count');
    assert.deepEqual(rows.map((r) => [r.status, r.httpStatus]), [['error', 503], ['ok', null]]);
  });

  it('a gRPC search outage: wire calls equal ledger rows, and REST successes do not keep its circuit closed', async () => {
    const index = make({ retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 5 }, breaker: { failureThreshold: 5, cooldownMs: 60_000 } });
    await index.open();
    await index.upsert(await indexed(embedder, fixture), noJob);
    await kit.clear();
    fake.inject({ on: 'grpc:Search', status: 503 });
    const [vector] = await embedder.embed(['vegan'], noJob);
    const before = calls('grpc:Search');
    const first = await index.hybridSearch({ text: 'vegan', vector, filters: {}, limit: 3 }, noJob).catch((e: unknown) => e);
    assert.ok(first instanceof ProviderError);
    assert.match(first.message, /^weaviate\.hybrid_search: gave up after 4 attempts \[status 503, status 503, status 503, status 503\]/);
    // a successful REST schema read in between (what the next job's search does first)
    await index.info();
    const second = await index.hybridSearch({ text: 'vegan', vector, filters: {}, limit: 3 }, noJob).catch((e: unknown) => e);
    assert.ok(second instanceof ProviderError);
    assert.match(second.message, /gave up after 1 attempt \[status 503\]: circuit open after repeated failures/);
    assert.deepEqual(index.breakerStates().hybrid_search, 'open');
    assert.equal(index.breakerStates().read_schema, 'closed');
    const third = await index.hybridSearch({ text: 'vegan', vector, filters: {}, limit: 3 }, noJob).catch((e: unknown) => e);
    assert.match(String(third), /circuit open/);
    const wire = calls('grpc:Search') - before;
    const rows = (await kit.rows('weaviate')).filter((r) => r.operation === 'hybrid_search');
    assert.equal(wire, 5, 'four attempts, then the fifth failure opens the circuit; the third search sends nothing');
    assert.equal(rows.length, wire, 'every wire call is one ledger row');
    assert.ok(rows.every((r) => r.status === 'error' && r.httpStatus === 503));
  });

  it('opens the circuit after repeated failures and then fails fast without calling Weaviate', async () => {
    const index = make({ retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 }, breaker: { failureThreshold: 2, cooldownMs: 60_000 } });
    await index.open();
    fake.inject({ on: 'grpc:Aggregate', status: 500 });
    for (let i = 0; i < 2; i++) await assert.rejects(index.count(), ProviderError);
    const before = calls('grpc:Aggregate');
    await assert.rejects(index.count(), /circuit open/);
    assert.equal(calls('grpc:Aggregate'), before);
  });

  it('an unreachable server is a retryable ProviderError; ping reports it', async () => {
    const index = make({ url: 'http://127.0.0.1:1', grpcUrl: 'http://127.0.0.1:1', retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    const err = await index.count().then(() => assert.fail('count must fail'), (e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.options.retryable, true);
    await assert.rejects(index.ping(), ProviderError);
    await make().ping();
  });

  it('is selected by configuration alone (SEARCH_BACKEND=weaviate)', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      ...fake.env(`Configured_${++seq}`),
      EMBEDDINGS_DIM: '64',
    });
    const index = createCreatorIndex(config, embedder, kit.ledger);
    assert.ok(index instanceof WeaviateIndex);
    open.push(index);
    await index.open();
    await index.upsert(await indexed(embedder, fixture.slice(0, 3)), noJob);
    assert.equal(await index.count(), 3);
    assert.ok(fake.store.find(config.search.weaviate.collection));
  });
});
