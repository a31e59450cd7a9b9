import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Creator, Platform } from '../../../../src/domain/creator.js';
import { creatorKey, profileUrl } from '../../../../src/domain/creator.js';
import { CircuitBreaker } from '../../../../src/providers/http/circuit-breaker.js';
import { BrightDataClient } from '../../../../src/providers/profiles/brightdata/brightdata.client.js';
import { BrightDataProfileSource } from '../../../../src/providers/profiles/brightdata/brightdata.source.js';
import { RedisRateGuard } from '../../../../src/providers/profiles/brightdata/rate-guard.js';
import { BrightDataCacheRepository } from '../../../../src/repositories/brightdata-cache.repository.js';
import { FakeBrightData } from '../../../fakes/brightdata/server.js';
import { REDIS_URL, deleteRedisPrefix } from '../../../helpers/test-env.js';
import { ledgerKit, sumCost, sumUnits } from '../../provider-kit.js';
import type { LedgerKit } from '../../provider-kit.js';

const ctx = { jobId: null };

function creator(platform: Platform, handle: string): Creator {
  return {
    key: creatorKey(platform, handle),
    platform,
    handle,
    displayName: null,
    bio: 'index bio',
    categories: [],
    topics: [],
    followers: 1,
    following: null,
    postsCount: null,
    engagementRate: null,
    country: null,
    language: null,
    verified: false,
    profileUrl: profileUrl(platform, handle),
    source: 'test',
    updatedAt: new Date(0).toISOString(),
    observedAt: new Date(0).toISOString(),
    observedAtBasis: 'import',
  };
}

const igHandles = Array.from({ length: 25 }, (_, i) => `ig_${i}`);

describe('BrightDataProfileSource (cache-first) against the fake', () => {
  const fake = new FakeBrightData({ instagramVariant: 'mixed' });
  let kit: LedgerKit;
  let redis: Redis;
  let cache: BrightDataCacheRepository;
  const prefix = `t${randomBytes(5).toString('hex')}`;

  before(async () => {
    await fake.start();
    kit = await ledgerKit();
    redis = new Redis(REDIS_URL);
    cache = new BrightDataCacheRepository(kit.pool);
    fake.addCreators(
      ...igHandles.map((h, i) => ({
        platform: 'instagram' as const,
        handle: h,
        fullName: `IG ${i}`,
        bio: `fitness and food ${i}`,
        followers: 10_000 + i * 100,
        following: 50,
        posts: 100,
        country: 'US',
        email: i === 0 ? 'ig0@example.com' : undefined,
        recent: [{ caption: 'hello', likes: 300, comments: 20 }],
      })),
      { platform: 'tiktok', handle: 'tt_dancer', fullName: 'Dancer', followers: 80_000, engagement: 0.061, country: 'GB' },
      { platform: 'tiktok', handle: 'tt_private', followers: 10 },
    );
  });
  after(async () => {
    await fake.stop();
    await deleteRedisPrefix(prefix);
    redis.disconnect();
    await kit.cleanup();
  });
  beforeEach(async () => {
    fake.reset();
    fake.options = { ...fake.options, dead: [], private: ['tt_private'] };
    await kit.pool.query('delete from brightdata_cache');
    await kit.clear();
    await deleteRedisPrefix(prefix);
  });

  const source = (over: { breaker?: CircuitBreaker; ttlHours?: number; concurrency?: number } = {}) => {
    const client = new BrightDataClient(
      {
        baseUrl: fake.url,
        apiKey: 'bd-test-key',
        timeoutMs: 2000,
        retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1000 },
        breaker: over.breaker,
        gate: new RedisRateGuard(redis, { prefix, max429: 10, leaseMs: 10_000, maxWaitMs: 2000 }),
        pollIntervalMs: 5,
        maxWaitMs: 3000,
        pricePer1kRecords: 1.5,
      },
      kit.ledger,
    );
    return new BrightDataProfileSource(client, cache, {
      datasets: fake.options.datasets,
      cacheTtlHours: over.ttlHours ?? 168,
      maxAgeDays: 180,
      concurrency: over.concurrency ?? 2,
    });
  };

  it('fetches Instagram and TikTok profiles, parsing every field variant', async () => {
    const out = await source().fetch([creator('instagram', 'ig_0'), creator('instagram', 'ig_1'), creator('tiktok', 'tt_dancer')], ctx);
    assert.equal(out.errors.length, 0);
    assert.equal(out.cacheHits, 0);
    const byKey = new Map(out.profiles.map((p) => [p.key, p]));
    const ig0 = byKey.get('instagram:ig_0')!; // catalog variant (even handle length)
    assert.equal(ig0.followers, 10_000);
    assert.equal(ig0.email, 'ig0@example.com');
    assert.equal(ig0.displayName, 'IG 0');
    assert.equal(ig0.country, 'US');
    assert.equal(ig0.dataSource, 'brightdata');
    const ig1 = byKey.get('instagram:ig_1')!;
    assert.equal(ig1.followers, 10_100);
    assert.ok(ig1.engagementRate !== null && Math.abs(ig1.engagementRate - 320 / 10_100) < 1e-6, 'computed from posts');
    const tt = byKey.get('tiktok:tt_dancer')!;
    assert.equal(tt.engagementRate, 0.061);
    assert.equal(tt.country, 'GB');
    assert.equal(fake.calls('scrape').length, 2, 'one synchronous scrape per platform');
  });

  it('serves cached profiles without a request, and reports the hits', async () => {
    const s = source();
    const wanted = [creator('instagram', 'ig_2'), creator('tiktok', 'tt_dancer')];
    await s.fetch(wanted, ctx);
    const requests = fake.requests.length;
    const again = await s.fetch(wanted, ctx);
    assert.equal(fake.requests.length, requests, 'no network for cache hits');
    assert.equal(again.cacheHits, 2);
    assert.ok(again.profiles.every((p) => p.dataSource === 'cache' && !p.stale));
    assert.equal(again.profiles.find((p) => p.handle === 'ig_2')!.followers, 10_200);
  });

  it('refetches expired cache entries', async () => {
    const s = source();
    await s.fetch([creator('instagram', 'ig_3')], ctx);
    await kit.pool.query(`update brightdata_cache set expires_at = now() - interval '1 second'`);
    const out = await s.fetch([creator('instagram', 'ig_3')], ctx);
    assert.equal(out.cacheHits, 0);
    assert.equal(fake.calls('scrape').length, 2);
    const { rows } = await kit.pool.query<{ n: number }>(`select count(*)::int as n from brightdata_cache where expires_at > now()`);
    assert.equal(rows[0]!.n, 1, 'the refetched profile is cached again');
  });

  it('goes asynchronous above 20 profiles of one platform', async () => {
    const out = await source().fetch(igHandles.map((h) => creator('instagram', h)), ctx);
    assert.equal(out.profiles.length, 25);
    assert.equal(fake.calls('trigger').length, 1);
    assert.equal(fake.calls('scrape').length, 0);
  });

  it('records dead pages, private and unsupported profiles as errors and keeps going', async () => {
    fake.options.dead = ['ig_4'];
    const out = await source().fetch(
      [creator('instagram', 'ig_4'), creator('instagram', 'ig_5'), creator('tiktok', 'tt_private'), creator('youtube', 'somechannel'), creator('instagram', 'never_existed')],
      ctx,
    );
    assert.deepEqual(out.profiles.map((p) => p.key), ['instagram:ig_5']);
    const codes = Object.fromEntries(out.errors.map((e) => [e.key, e.code]));
    assert.deepEqual(codes, {
      'youtube:somechannel': 'unsupported_platform',
      'instagram:ig_4': 'dead_page',
      'instagram:never_existed': 'dead_page',
      'tiktok:tt_private': 'private',
    });
    const { rows } = await kit.pool.query<{ handle: string }>('select handle from brightdata_cache');
    assert.deepEqual(rows.map((r) => r.handle), ['ig_5'], 'errors are not cached');
  });

  it('never throws when BrightData is down: every profile comes back as an error', async () => {
    fake.script('any', ...Array.from({ length: 10 }, () => ({ status: 500 })));
    const out = await source().fetch([creator('instagram', 'ig_6'), creator('tiktok', 'tt_dancer')], ctx);
    assert.equal(out.profiles.length, 0);
    assert.deepEqual(out.errors.map((e) => e.code), ['provider_error', 'provider_error']);
  });

  it('fails fast with circuit_open once the breaker opens, and serves the cache meanwhile', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 60_000 });
    const s = source({ breaker });
    await s.fetch([creator('instagram', 'ig_7')], ctx);
    fake.script('any', ...Array.from({ length: 10 }, () => ({ status: 503 })));
    await s.fetch([creator('instagram', 'ig_8')], ctx);
    const sent = fake.requests.length;
    const out = await s.fetch([creator('instagram', 'ig_7'), creator('instagram', 'ig_9')], ctx);
    assert.equal(fake.requests.length, sent, 'nothing sent while open');
    assert.equal(out.cacheHits, 1);
    assert.deepEqual(out.errors.map((e) => [e.key, e.code]), [['instagram:ig_9', 'circuit_open']]);
  });

  it('reports rate_guard errors once the 429 budget is spent', async () => {
    await redis.zadd(`${prefix}:brightdata:429`, ...Array.from({ length: 10 }, (_, i) => [Date.now(), `x${i}`]).flat());
    const out = await source().fetch([creator('instagram', 'ig_10')], ctx);
    assert.equal(fake.requests.length, 0);
    assert.equal(out.errors[0]!.code, 'rate_guard');
  });

  it('bounds concurrency per source, across concurrent fetch calls', async () => {
    const s = source({ concurrency: 2 });
    fake.latency = { latencyMs: 40, jitterMs: 0 };
    fake.peakInFlight = 0;
    try {
      const groups = [[13, 14], [15, 16], [17, 18]].map((ids) => ids.map((i) => creator('instagram', `ig_${i}`)));
      const outs = await Promise.all([...groups.map((g) => s.fetch(g, ctx)), s.fetch([creator('tiktok', 'tt_dancer')], ctx)]);
      assert.equal(outs.reduce((n, o) => n + o.profiles.length, 0), 7);
      assert.equal(fake.calls('scrape').length, 4);
      assert.equal(fake.peakInFlight, 2);
    } finally {
      fake.latency = { latencyMs: 0, jitterMs: 0 };
    }
  });

  it('rethrows when the caller aborts', async () => {
    fake.script('scrape', 'hang');
    const ac = new AbortController();
    const p = source().fetch([creator('instagram', 'ig_11')], { jobId: null, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('job cancelled')), 50);
    await assert.rejects(p, /job cancelled/);
  });

  it('ledger records and cost equal what the fake billed', async () => {
    fake.options.dead = ['ig_12'];
    const s = source();
    await s.fetch([...igHandles.map((h) => creator('instagram', h)), creator('tiktok', 'tt_dancer'), creator('tiktok', 'tt_private')], ctx);
    await s.fetch([creator('instagram', 'ig_0'), creator('instagram', 'ig_12')], ctx); // ig_0 cached, ig_12 dead again
    const rows = await kit.rows('brightdata');
    assert.equal(rows.length, fake.requests.length);
    assert.equal(sumUnits(rows, 'records'), fake.billed.records);
    assert.equal(sumUnits(rows, 'errors'), fake.billed.errorRecords);
    assert.ok(Math.abs(sumCost(rows) - (fake.billed.records * 1.5) / 1000) < 1e-9);
    assert.equal(fake.billed.errorRecords, 2);
  });
});
