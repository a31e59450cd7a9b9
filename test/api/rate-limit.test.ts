import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RateLimiter, rateLimitHeaders } from '../../src/stores/rate-limiter.store.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('rate limiting (Redis token bucket)', () => {
  let api: TestApi;
  before(async () => {
    // Refill of 1 token a minute: during the test the bucket is effectively only its burst.
    api = await startTestApi({ RATE_LIMIT_BURST: '50', RATE_LIMIT_PER_MIN: '1', START_RATE_LIMIT_BURST: '3', START_RATE_LIMIT_PER_MIN: '1' });
  });
  after(() => api.cleanup());

  test('acceptance: 200 concurrent requests, the limiter admits exactly the bucket size (50)', async () => {
    const { key } = await api.newKey();
    const responses = await Promise.all(Array.from({ length: 200 }, () => api.call('/pipeline/jobs/job_nothere', { key })));
    const admitted = responses.filter((r) => r.status !== 429);
    const refused = responses.filter((r) => r.status === 429);
    assert.equal(admitted.length, 50);
    assert.equal(refused.length, 150);
    assert.ok(admitted.every((r) => r.status === 404));
    const r = refused[0]!;
    assert.equal((r.body as { code: string }).code, 'rate_limited');
    assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(r.headers.get('ratelimit-policy'), '"default";q=50;w=3000');
    assert.match(r.headers.get('ratelimit') ?? '', /^"default";r=0;t=\d+$/);
    const remaining = admitted.map((a) => Number(/r=(\d+)/.exec(a.headers.get('ratelimit') ?? '')?.[1])).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: 50 }, (_, i) => i), 'each admitted request saw a distinct remaining count');
  });

  test('buckets are per key: another key is unaffected', async () => {
    const a = await api.newKey();
    const b = await api.newKey();
    await Promise.all(Array.from({ length: 60 }, () => api.call('/pipeline/jobs/job_x', { key: a.key })));
    assert.equal((await api.call('/pipeline/jobs/job_x', { key: a.key })).status, 429);
    assert.equal((await api.call('/pipeline/jobs/job_x', { key: b.key })).status, 404);
  });

  test('starting jobs has its own stricter bucket', async () => {
    const { key } = await api.newKey();
    const starts = await Promise.all(
      Array.from({ length: 6 }, () => api.call('/pipeline/start', { key, body: { brief: 'vegan protein bar launch for US gym-goers' } })),
    );
    assert.equal(starts.filter((s) => s.status === 202).length, 3);
    const refused = starts.find((s) => s.status === 429)!;
    assert.equal(refused.headers.get('ratelimit-policy'), '"start";q=3;w=180');
    // Reads still go through: the default bucket is separate.
    assert.equal((await api.call('/pipeline/jobs/job_x', { key })).status, 404);
  });

  test('a per-key rate limit overrides the default refill rate', async () => {
    const { key } = await api.newKey({ rateLimitPerMin: 600 });
    const res = await api.call('/pipeline/jobs/job_x', { key });
    // 50 tokens at 600/min refill in 5 s (the default key's 1/min takes 3000 s).
    assert.equal(res.headers.get('ratelimit-policy'), '"default";q=50;w=5');
  });

  test('refill: a refused take says when a token is back, and it is', async () => {
    const limiter = new RateLimiter(api.ctx.redis, api.redisPrefix);
    const spec = { name: 'default', capacity: 5, refillPerMin: 600 };
    const taken = await Promise.all(Array.from({ length: 8 }, () => limiter.take('k1', spec)));
    assert.equal(taken.filter((t) => t.allowed).length, 5);
    const refused = taken.find((t) => !t.allowed)!;
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 100, `retry after ${refused.retryAfterMs} ms`);
    assert.equal(rateLimitHeaders(refused)['Retry-After'], '1');
    await sleep(refused.retryAfterMs + 30);
    assert.equal((await limiter.take('k1', spec)).allowed, true, 'a token is back after the announced delay');
  });
});
