import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createChannel, createClient, Metadata, Status } from 'nice-grpc';
import weaviate, { Filters } from 'weaviate-client';
import type { Collection, WeaviateClient } from 'weaviate-client';
import { startWeaviateFake } from './weaviate.fake.js';
import type { WeaviateFake } from './weaviate.fake.js';
import { healthProto, weaviateProto } from './weaviate/proto.js';

/** The fake's own contract: what the official client sees, and the server behaviour it imitates. */

let fake: WeaviateFake;
let client: WeaviateClient;
let col: Collection;

const axis = (i: number, dim = 4) => Array.from({ length: dim }, (_, j) => (j === i ? 1 : 0));
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function connect(apiKey?: string): Promise<WeaviateClient> {
  const rest = new URL(fake.url);
  const grpc = new URL(fake.grpcUrl);
  return weaviate.connectToCustom({
    httpHost: rest.hostname,
    httpPort: Number(rest.port),
    grpcHost: grpc.hostname,
    grpcPort: Number(grpc.port),
    authCredentials: apiKey ? new weaviate.ApiKey(apiKey) : undefined,
  });
}

before(async () => {
  fake = await startWeaviateFake();
  client = await connect(fake.apiKey);
  col = await client.collections.create({
    name: 'Doc',
    properties: [
      { name: 'title', dataType: 'text' },
      { name: 'code', dataType: 'text', tokenization: 'field' },
      { name: 'tags', dataType: 'text[]' },
      { name: 'n', dataType: 'int' },
      { name: 'x', dataType: 'number' },
      { name: 'secret', dataType: 'text', indexFilterable: false, indexSearchable: false },
    ],
    vectorizers: weaviate.configure.vectors.selfProvided(),
  });
  const res = await col.data.insertMany([
    { id: id(1), properties: { title: 'vegan protein vegan recipes', code: 'A-1', tags: ['food', 'vegan'], n: 10, x: 0.5 }, vectors: axis(0) },
    { id: id(2), properties: { title: 'vegan travel', code: 'B-2', tags: ['travel'], n: 20, x: 1.5 }, vectors: axis(1) },
    { id: id(3), properties: { title: 'mountain hiking', code: 'C-3', tags: [], n: 30 }, vectors: axis(2) },
  ]);
  assert.equal(res.hasErrors, false);
});

after(async () => {
  await client.close();
  await fake.close();
});

describe('Weaviate fake', () => {
  it('requires the API key on REST except for liveness and readiness', async () => {
    const anonymous = await fetch(`${fake.url}/v1/meta`);
    assert.equal(anonymous.status, 401);
    assert.match(((await anonymous.json()) as { message: string }).message, /anonymous access not enabled/);
    const meta = await fetch(`${fake.url}/v1/meta`, { headers: { authorization: `Bearer ${fake.apiKey}` } });
    assert.equal(meta.status, 200);
    assert.match(((await meta.json()) as { version: string }).version, /^1\.\d+\.\d+$/);
    assert.equal((await fetch(`${fake.url}/v1/.well-known/ready`)).status, 200);
    await assert.rejects(connect('wrong-key'), /Unauthenticated/);
  });

  it('requires the API key on gRPC search, not on the health check', async () => {
    const channel = createChannel(new URL(fake.grpcUrl).host);
    try {
      const raw = createClient(weaviateProto.WeaviateDefinition, channel);
      await assert.rejects(raw.search({ collection: 'Doc', limit: 1 }), (e: { code?: Status }) => e.code === Status.UNAUTHENTICATED);
      const ok = await raw.search(
        { collection: 'Doc', limit: 1 },
        { metadata: new Metadata({ authorization: `Bearer ${fake.apiKey}` }) },
      );
      assert.equal(ok.results.length, 1);
      const health = await createClient(healthProto.HealthDefinition, channel).check({ service: '' });
      assert.equal(health.status, healthProto.HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      channel.close();
    }
  });

  it('returns a schema the client parses, and refuses a duplicate collection', async () => {
    const config = await col.config.get();
    assert.equal(config.vectorizers.default?.vectorizer.name, 'none');
    assert.equal(config.invertedIndex.bm25.k1, 1.2);
    assert.deepEqual(config.properties.map((p) => p.name), ['title', 'code', 'tags', 'n', 'x', 'secret']);
    await assert.rejects(client.collections.create({ name: 'Doc' }), /already exists/);
  });

  it('scores BM25 by term frequency and fuses legs the way Weaviate does', async () => {
    const bm25 = await col.query.bm25('vegan', { returnMetadata: ['score'] });
    assert.deepEqual(bm25.objects.map((o) => o.uuid), [id(1), id(2)], 'more occurrences rank higher; no match is absent');

    const ranked = await col.query.hybrid('vegan', { vector: axis(0), alpha: 0.5, fusionType: 'Ranked', returnMetadata: ['score'] });
    assert.equal(ranked.objects[0]!.uuid, id(1));
    assert.ok(Math.abs(ranked.objects[0]!.metadata!.score! - (0.5 / 60 + 0.5 / 60)) < 1e-6, 'first in both legs: Σ w/(60+0)');

    const relative = await col.query.hybrid('vegan', { vector: axis(0), alpha: 0.5, fusionType: 'RelativeScore', returnMetadata: ['score'] });
    assert.equal(relative.objects[0]!.uuid, id(1));
    assert.ok(Math.abs(relative.objects[0]!.metadata!.score! - 1) < 1e-6, 'best in both legs normalises to 1');
    assert.equal(relative.objects.length, 3, 'the vector leg contributes objects without a keyword match');

    const vectorOnly = await col.query.hybrid('vegan', { vector: axis(2), alpha: 1 });
    assert.equal(vectorOnly.objects[0]!.uuid, id(3));
  });

  it('evaluates filters with the server semantics, and rejects what the server rejects', async () => {
    const ids = async (filters: Parameters<typeof col.query.fetchObjects>[0]) =>
      (await col.query.fetchObjects(filters)).objects.map((o) => o.uuid).sort();
    assert.deepEqual(await ids({ filters: col.filter.byProperty('n').greaterOrEqual(20) }), [id(2), id(3)]);
    assert.deepEqual(await ids({ filters: col.filter.byProperty('x').lessThan(0.9) }), [id(1)]);
    assert.deepEqual(await ids({ filters: col.filter.byProperty('tags').containsAny(['vegan', 'travel']) }), [id(1), id(2)]);
    assert.deepEqual(await ids({ filters: col.filter.byProperty('code').equal('a-1') }), [], 'field tokenization is exact');
    assert.deepEqual(await ids({ filters: col.filter.byProperty('title').equal('VEGAN') }), [id(1), id(2)], 'word tokenization');
    assert.deepEqual(await ids({ filters: col.filter.byProperty('code').like('?-*') }), [id(1), id(2), id(3)]);
    assert.deepEqual(
      await ids({ filters: Filters.or(col.filter.byProperty('n').equal(10), col.filter.byProperty('x').greaterThan(1.2)) }),
      [id(1), id(2)],
    );
    assert.deepEqual(await ids({ filters: col.filter.byProperty('x').notEqual(0.5) }), [id(2), id(3)], 'missing value passes NotEqual');
    await assert.rejects(col.query.fetchObjects({ filters: col.filter.byProperty('x').greaterThan(1) }), /cannot use "valueInt" on type "number"/);
    await assert.rejects(col.query.fetchObjects({ filters: col.filter.byProperty('x').isNull(true) }), /Nullstate must be indexed/);
    await assert.rejects(col.query.fetchObjects({ filters: col.filter.byProperty('secret').equal('s') }), /requires inverted index/);
    await assert.rejects(col.query.fetchObjects({ filters: col.filter.byProperty('nope').equal('s') }), /no such prop/);
  });

  it('type-checks objects against the schema per object, like the server', async () => {
    const res = await col.data.insertMany([
      { id: id(7), properties: { title: 'ok', n: 1 }, vectors: axis(3) },
      { id: id(8), properties: { title: 'bad', n: 1.5 }, vectors: axis(3) },
      { id: id(9), properties: { unknown: 'x' }, vectors: axis(3) },
      { id: id(10), properties: { title: 'short vector' }, vectors: [1, 0] },
    ]);
    assert.deepEqual(Object.keys(res.errors).sort(), ['1', '2', '3']);
    assert.match(res.errors[1]!.message, /invalid int property 'n'/);
    assert.match(res.errors[2]!.message, /no such prop with name 'unknown'/);
    assert.match(res.errors[3]!.message, /vector with length 2/);
    assert.equal((await col.aggregate.overAll()).totalCount, 4);
    await col.data.deleteMany(col.filter.byProperty('title').equal('ok'));
    assert.equal((await col.aggregate.overAll()).totalCount, 3);
  });

  it('injects REST statuses with Retry-After, gRPC codes and hangs that end when the caller gives up', async () => {
    fake.inject({ on: 'rest:/v1/meta', status: 429, retryAfterSeconds: 7, times: 1 });
    const limited = await fetch(`${fake.url}/v1/meta`, { headers: { authorization: `Bearer ${fake.apiKey}` } });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal((await fetch(`${fake.url}/v1/meta`, { headers: { authorization: `Bearer ${fake.apiKey}` } })).status, 200);

    fake.inject({ on: 'grpc:Search', status: 500, times: 1 });
    await assert.rejects(col.query.fetchObjects(), /INTERNAL: injected fault 500/);
    assert.equal((await col.query.fetchObjects()).objects.length, 3);

    fake.inject({ on: 'rest:/v1/schema', hang: true, times: 1 });
    const hung = await fetch(`${fake.url}/v1/schema`, {
      headers: { authorization: `Bearer ${fake.apiKey}` },
      signal: AbortSignal.timeout(200),
    }).then(
      () => 'answered',
      (e: unknown) => (e as Error).name,
    );
    assert.equal(hung, 'TimeoutError');
    fake.clearFaults();
  });
});
