import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { z } from 'zod';
import { healthResponseSchema, searchResponseSchema, searchResultSchema } from '../../src/api/schemas.js';
import { creatorKey } from '../../src/domain/creator.js';
import { loadDemoIndexIfEmpty } from '../../src/import/demo.js';
import { noJob } from '../../src/providers/ledger.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { freePort } from '../helpers/processes.js';

type Health = z.infer<typeof healthResponseSchema>;
type Search = z.infer<typeof searchResponseSchema>;

describe('GET /health', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
    await loadDemoIndexIfEmpty(api.ctx);
  });
  after(() => api.cleanup());
  const operator = () => ({ headers: { 'X-Admin-Key': api.config.adminKey! } });

  test('200 with per-component detail, including the index count and embedder', async () => {
    const res = await api.call<Health>('/health', operator());
    assert.equal(res.status, 200, res.text);
    healthResponseSchema.parse(res.body);
    assert.equal(res.body.status, 'ok');
    assert.equal(res.body.components!.postgres.status, 'up');
    assert.equal(res.body.components!.redis.status, 'up');
    const index = res.body.components!.index;
    assert.equal(index.status, 'up');
    assert.equal(index.backend, 'lancedb');
    assert.equal(index.count, await api.ctx.providers.index.count());
    assert.ok((index.count ?? 0) > 0);
    assert.match(index.embedder ?? '', /hashing/);
    assert.equal(index.dimension, api.config.embeddings.dim);
  });

  test('503 while a component is down, naming it without describing the infrastructure; 200 again after', async (t) => {
    const real = api.ctx.redis;
    const dead = new Redis({ port: await freePort(), enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    dead.on('error', () => {});
    // Only Date is mocked (timers and I/O stay real): moving it on expires the 1 s answer cache.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.mock.timers.tick(1_100);
    api.ctx.redis = dead;
    try {
      const res = await api.call<Health>('/health', operator());
      assert.equal(res.status, 503);
      assert.equal(res.body.status, 'unavailable');
      assert.equal(res.body.components!.redis.status, 'down');
      assert.equal(res.body.components!.redis.error, 'unreachable');
      assert.equal(res.body.components!.postgres.status, 'up');
      assert.ok(!res.text.includes(String(api.config.redis.url)) && !res.text.includes('ECONNREFUSED'));
    } finally {
      api.ctx.redis = real;
      dead.disconnect();
    }
    t.mock.timers.tick(1_100);
    assert.equal((await api.call('/health')).status, 200);
  });
});

describe('POST /weaviate/search', () => {
  let api: TestApi;
  let key: string;
  before(async () => {
    api = await startTestApi({ RATE_LIMIT_BURST: '1000' });
    await loadDemoIndexIfEmpty(api.ctx);
    key = (await api.newKey()).key;
  });
  after(() => api.cleanup());

  test('normalized creators only, ranked, at most `limit`', async () => {
    const res = await api.call<Search>('/weaviate/search', { key, body: { query: 'fitness coach gym workouts protein', limit: 10 } });
    assert.equal(res.status, 200, res.text);
    searchResponseSchema.parse(res.body);
    assert.equal(res.body.backend, 'lancedb');
    assert.ok(res.body.results.length > 0 && res.body.results.length <= 10);
    assert.equal(res.body.count, res.body.results.length);
    const allowed = Object.keys(searchResultSchema.shape).sort();
    for (const r of res.body.results) assert.deepEqual(Object.keys(r).sort(), allowed, 'no backend fields leak through');
    const scores = res.body.results.map((r) => r.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
    assert.ok(res.body.results.some((r) => r.categories.includes('fitness')), 'the niche shows up');
  });

  test('each creator says when its data was observed and whether that is older than PROFILE_MAX_AGE_DAYS', async () => {
    const res = await api.call<Search>('/weaviate/search', { key, body: { query: 'travel food fitness', limit: 20 } });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.results.length > 0);
    const stored = await api.ctx.providers.index.get(
      res.body.results.map((r) => creatorKey(r.platform, r.handle)),
      noJob,
    );
    for (const r of res.body.results) {
      const c = stored.find((x) => x.handle === r.handle && x.platform === r.platform)!;
      assert.equal(r.observed_at, c.observedAt);
      assert.equal(r.observed_at_basis, c.observedAtBasis);
      assert.equal(r.stale, Date.now() - Date.parse(r.observed_at) > api.ctx.config.profiles.maxAgeDays * 86_400_000, r.handle);
    }
  });

  test('filters are applied in the index', async () => {
    const res = await api.call<Search>('/weaviate/search', {
      key,
      body: { query: 'travel', limit: 50, platforms: ['tiktok'], filters: { followers_min: 20_000 } },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.results.length > 0);
    for (const r of res.body.results) {
      assert.equal(r.platform, 'tiktok');
      assert.ok((r.followers ?? 0) >= 20_000);
    }
  });

  test('inferred niches come back on results and filter inside the index', async () => {
    const all = await api.call<Search>('/weaviate/search', { key, body: { query: 'recipes dinner baking', limit: 30 } });
    assert.equal(all.status, 200, all.text);
    assert.ok(all.body.results.every((r) => r.niches.every((n, i, ns) => n.p >= 0.05 && n.p <= 1 && (i === 0 || ns[i - 1]!.p >= n.p))));
    assert.ok(all.body.results.some((r) => r.niches[0]?.niche === 'food'), 'the demo food creators are classified as food');
    const res = await api.call<Search>('/weaviate/search', {
      key,
      body: { query: 'recipes dinner baking travel beach', limit: 50, filters: { niches: ['travel'] } },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.results.length > 0);
    for (const r of res.body.results) {
      assert.ok(r.niches.some((n) => n.niche === 'travel' && n.p >= 0.4), `${r.handle}: ${JSON.stringify(r.niches)}`);
    }
    assert.ok(all.body.results.some((r) => !r.niches.some((n) => n.niche === 'travel' && n.p >= 0.4)), 'the filter discriminates');
  });

  test('hard caps and validation: every bad field is named; never a 500', async () => {
    const cases: [unknown, string][] = [
      [{}, 'query'],
      [{ query: '' }, 'query'],
      [{ query: 'x'.repeat(501) }, 'query'],
      [{ query: 'ok', limit: 101 }, 'limit'],
      [{ query: 'ok', limit: 0 }, 'limit'],
      [{ query: 'ok', platforms: ['friendster'] }, 'platforms.0'],
      [{ query: 'ok', filters: { countries: ['United States'] } }, 'filters.countries.0'],
      [{ query: 'ok', filters: { niches: ['gaming'] } }, 'filters.niches.0'],
      [{ query: 'ok', where: { path: ['secret'] } }, 'where'],
      [{ query: 'ok', alpha: 0.3 }, 'alpha'],
    ];
    for (const [body, field] of cases) {
      const res = await api.call<{ errors: { field: string }[] }>('/weaviate/search', { key, body });
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.ok(res.body.errors.some((e) => e.field === field), `${JSON.stringify(body)} → ${res.text}`);
    }
    const odd = await api.call<Search>('/weaviate/search', { key, body: { query: '"); DROP TABLE creators; -- \' OR 1=1 \\u0000 ✨' } });
    assert.equal(odd.status, 200, odd.text);
  });

  test('search is rate-limited like every keyed route', async () => {
    const res = await api.call('/weaviate/search', { key, body: { query: 'food' } });
    assert.match(res.headers.get('ratelimit-policy') ?? '', /^"default";q=1000/);
  });
});
