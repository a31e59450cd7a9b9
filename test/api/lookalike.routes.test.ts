import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startWeaviateFake } from '../fakes/weaviate.fake.js';
import type { WeaviateFake } from '../fakes/weaviate.fake.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { makeCreator, nicheCorpus, seedIndex } from '../pipeline/fixtures.js';

const corpus = [
  ...nicheCorpus(6).map((c) => ({ ...c, niches: [{ niche: c.categories[0]!, p: 0.8 }] })),
  // no country or language known: kept by include_unknown only
  makeCreator({ handle: 'pet_nowhere', bio: 'My golden retriever and rescue dog #dogsofinstagram #puppy #adoptdontshop', topics: ['dogsofinstagram', 'puppy'], niches: [{ niche: 'pet', p: 0.9 }] }),
];
const nicheOf = (key: string) => corpus.find((c) => c.key === key)?.categories[0];

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}
interface SimilarBody {
  similar_to: string[];
  backend: string;
  count: number;
  results: { platform: string; handle: string; country: string | null; resembles: { seed: string; similarity: number } | null }[];
}

for (const backend of ['lancedb', 'weaviate'] as const) {
  describe(`POST /search/similar (${backend})`, () => {
    let api: TestApi;
    let fake: WeaviateFake | null = null;
    let key: string;
    before(async () => {
      if (backend === 'weaviate') fake = await startWeaviateFake();
      const env = fake ? fake.env(`Similar_${process.pid}`) : {};
      api = await startTestApi(env);
      await api.ctx.providers.index.open();
      await seedIndex(api.ctx, corpus);
      key = (await api.newKey()).key;
    });
    after(async () => {
      await api.cleanup();
      await fake?.close();
    });

    test('returns the seeds\' lookalikes, never the seeds, each naming the seed it resembles', async () => {
      const seeds = ['instagram:travel_0', 'instagram:travel_1'];
      const res = await api.call<SimilarBody>('/search/similar', { key, body: { similar_to: seeds, limit: 5 } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.backend, backend);
      assert.equal(res.body.count, 5);
      const keys = res.body.results.map((r) => `${r.platform}:${r.handle}`);
      for (const s of seeds) assert.ok(!keys.includes(s));
      assert.ok(keys.filter((k) => nicheOf(k) === 'travel').length >= 3, keys.join(', '));
      for (const r of res.body.results) assert.ok(r.resembles && seeds.includes(r.resembles.seed) && r.resembles.similarity > 0, JSON.stringify(r));
    });

    test('hard filters apply in the index; include_unknown keeps creators whose country is unknown', async () => {
      const body = { similar_to: ['instagram:pet_0'], limit: 100, filters: { countries: ['US'] } };
      const strict = await api.call<SimilarBody>('/search/similar', { key, body });
      assert.equal(strict.status, 200, strict.text);
      assert.ok(strict.body.results.length > 0 && strict.body.results.every((r) => r.country === 'US'));
      const loose = await api.call<SimilarBody>('/search/similar', { key, body: { ...body, filters: { countries: ['US'], include_unknown: true } } });
      assert.ok(loose.body.results.some((r) => r.handle === 'pet_nowhere'), 'the creator with no country is kept');
      assert.ok(loose.body.results.every((r) => r.country === 'US' || r.country === null));
    });

    test('unknown seeds are a 422 naming each of them; the caps of /weaviate/search hold', async () => {
      const res = await api.call<Problem>('/search/similar', {
        key,
        body: { similar_to: ['instagram:travel_0', 'instagram:nobody_here', 'tiktok:ghost'] },
      });
      assert.equal(res.status, 422, res.text);
      assert.equal(res.body.code, 'validation_failed');
      assert.match(res.body.detail, /instagram:nobody_here, tiktok:ghost/);
      assert.deepEqual(res.body.errors?.map((e) => e.field), ['similar_to.1', 'similar_to.2']);
      const tooMany = await api.call<Problem>('/search/similar', { key, body: { similar_to: ['instagram:a'], limit: 101 } });
      assert.equal(tooMany.status, 422);
      assert.equal(tooMany.body.errors?.[0]?.field, 'limit');
      const seeds = Array.from({ length: 11 }, (_, i) => `instagram:s${i}`);
      assert.equal((await api.call('/search/similar', { key, body: { similar_to: seeds } })).status, 422);
      assert.equal((await api.call('/search/similar', { key, body: { similar_to: ['nope'] } })).status, 422);
      assert.equal((await api.call('/search/similar', { body: { similar_to: ['instagram:travel_0'] } })).status, 401);
    });
  });
}

describe('POST /pipeline/start with similar_to', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ START_RATE_LIMIT_BURST: '2', START_RATE_LIMIT_PER_MIN: '1' });
    await api.ctx.providers.index.open();
    await seedIndex(api.ctx, corpus);
  });
  after(() => api.cleanup());

  test('seeds alone start a lookalike job; the job shows its seeds', async () => {
    const { key } = await api.newKey();
    const res = await api.call<{ job_id: string }>('/pipeline/start', { key, body: { similar_to: ['instagram:food_0', 'instagram:FOOD_1'] } });
    assert.equal(res.status, 202, res.text);
    const job = await api.call<{ request: { brief: string; similar_to: string[] } }>(`/pipeline/jobs/${res.body.job_id}`, { key });
    assert.deepEqual(job.body.request.similar_to, ['instagram:food_0', 'instagram:food_1']);
    assert.equal(job.body.request.brief, '');
  });

  test('unknown seeds: 422 naming them; neither brief nor seeds: 422 on brief', async () => {
    const { key } = await api.newKey();
    const res = await api.call<Problem>('/pipeline/start', { key, body: { brief: 'dog food for pet accounts', similar_to: ['instagram:pet_0', 'instagram:unknown_seed'] } });
    assert.equal(res.status, 422, res.text);
    assert.match(res.body.detail, /instagram:unknown_seed/);
    assert.deepEqual(res.body.errors, [{ field: 'similar_to.1', message: 'instagram:unknown_seed is not in the creator index' }]);
    const none = await api.call<Problem>('/pipeline/start', { key, body: { top_k: 5 } });
    assert.equal(none.status, 422);
    assert.equal(none.body.errors?.[0]?.field, 'brief');
  });

  test('requests refused before a job exists take no start token', async () => {
    const { key } = await api.newKey();
    const refused = [
      api.call('/pipeline/start', { key, body: { brief: 'short' } }),
      api.call('/pipeline/start', { key, body: { similar_to: ['instagram:unknown_seed'] } }),
      api.call('/pipeline/start', { key, body: { brief: 'dog food for pet accounts', webhook_url: 'http://127.0.0.1:9/hook' } }),
      api.call('/pipeline/start', { key, body: '{not json', headers: { 'Content-Type': 'application/json' } }),
      api.call('/pipeline/start', { key, body: { brief: 'dog food for pet accounts' }, headers: { 'Idempotency-Key': 'has spaces' } }),
    ];
    const statuses = (await Promise.all(refused)).map((r) => r.status);
    assert.deepEqual(statuses, [422, 422, 422, 400, 400]);
    const ok = [];
    for (let i = 0; i < 2; i++) ok.push((await api.call('/pipeline/start', { key, body: { brief: `dog food for pet accounts ${i}` } })).status);
    assert.deepEqual(ok, [202, 202], 'the whole burst of 2 is still there');
    assert.equal((await api.call('/pipeline/start', { key, body: { brief: 'dog food for pet accounts 3' } })).status, 429);
  });
});
