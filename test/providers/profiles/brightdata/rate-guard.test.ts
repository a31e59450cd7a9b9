import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { ProviderError } from '../../../../src/errors.js';
import { BrightDataClient } from '../../../../src/providers/profiles/brightdata/brightdata.client.js';
import { RedisRateGuard } from '../../../../src/providers/profiles/brightdata/rate-guard.js';
import type { RateGuardOptions } from '../../../../src/providers/profiles/brightdata/rate-guard.js';
import { FakeBrightData } from '../../../fakes/brightdata/server.js';
import { REDIS_URL, deleteRedisPrefix } from '../../../helpers/test-env.js';
import { ledgerKit } from '../../provider-kit.js';
import type { LedgerKit } from '../../provider-kit.js';
import { waitFor } from '../../../helpers/wait.js';

const IG = 'gd_l1vikfch901nx3by4';
const ctx = { jobId: null };

describe('RedisRateGuard (BrightData 429 budget shared through Redis)', () => {
  let redis: Redis;
  let prefix: string;
  before(() => {
    redis = new Redis(REDIS_URL);
  });
  after(async () => {
    await deleteRedisPrefix(prefix);
    redis.disconnect();
  });
  beforeEach(async () => {
    if (prefix) await deleteRedisPrefix(prefix);
    prefix = `t${randomBytes(5).toString('hex')}`;
  });

  const guard = (over: Partial<RateGuardOptions> = {}) =>
    new RedisRateGuard(redis, { prefix, max429: 3, leaseMs: 10_000, maxWaitMs: 2000, ...over });

  it('lets requests through and counts only 429 answers', async () => {
    const g = guard();
    for (const status of [200, 500, null, 429]) await (await g.acquire()).release({ status });
    assert.equal(await g.count(), 1);
    assert.ok(await redis.exists(`${prefix}:brightdata:429`));
  });

  it('stops every process once the limit of 429s is reached in the window', async () => {
    const a = guard();
    const b = guard(); // another worker process, same Redis
    for (let i = 0; i < 3; i++) await (await (i % 2 ? a : b).acquire()).release({ status: 429 });
    const err = await a.acquire().catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.operation, 'guard');
    assert.match(err.message, /3 rate-limit answers \(429\) in the last 5 minutes reached the limit of 3; requests resume in \d+s/);
    await assert.rejects(b.acquire(), /stopped sending/);
  });

  it('reserves budget for requests in flight, so they cannot overshoot the limit together', async () => {
    const g = guard({ max429: 2, maxWaitMs: 150 });
    const l1 = await g.acquire();
    const l2 = await g.acquire();
    // Both in flight could still come back 429: a third must wait, and gives up when nothing frees.
    await assert.rejects(g.acquire(), /held by requests in flight/);
    const waiting = g.acquire();
    await l1.release({ status: 200 });
    const l3 = await waiting;
    await l2.release({ status: 429 });
    await l3.release({ status: 429 });
    await assert.rejects(g.acquire(), /stopped sending/);
  });

  it('opens again when the 429s leave the window', async () => {
    const g = guard({ max429: 1, windowMs: 300 });
    await (await g.acquire()).release({ status: 429 });
    await assert.rejects(g.acquire(), /stopped sending/);
    // acquire refuses until the 429 is older than the window (Redis's clock, so no mocked time here)
    const lease = await waitFor(() => g.acquire(), () => true, { what: 'the guard to open', ms: 3_000, everyMs: 25 });
    await lease.release({ status: 200 });
  });

  it('a lease whose holder died expires and frees its slot', async () => {
    const g = guard({ max429: 1, leaseMs: 100, maxWaitMs: 1000 });
    await g.acquire(); // never released
    const lease = await g.acquire();
    await lease.release({ status: 200 });
  });

  it('fails closed when Redis cannot be reached', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    dead.on('error', () => {});
    const g = new RedisRateGuard(dead, { prefix, max429: 3, leaseMs: 1000, maxWaitMs: 100 });
    await assert.rejects(g.acquire(), /cannot check the 429 guard in Redis, not sending/);
    dead.disconnect();
  });
});

describe('the guard in front of BrightData', () => {
  const fake = new FakeBrightData();
  let redis: Redis;
  let kit: LedgerKit;
  const prefix = `t${randomBytes(5).toString('hex')}`;

  before(async () => {
    await fake.start();
    redis = new Redis(REDIS_URL);
    kit = await ledgerKit();
    fake.addCreators({ platform: 'instagram', handle: 'someone', followers: 100 });
  });
  after(async () => {
    await fake.stop();
    await deleteRedisPrefix(prefix);
    redis.disconnect();
    await kit.cleanup();
  });

  it('never lets BrightData see more 429s than the limit, even with parallel callers that retry', async () => {
    // BrightData answers nothing but 429 with Retry-After: 0; eight callers retry eagerly, in parallel.
    fake.script('any', ...Array.from({ length: 200 }, () => ({ status: 429, retryAfter: '0' })));
    const gate = new RedisRateGuard(redis, { prefix, max429: 5, leaseMs: 10_000, maxWaitMs: 2000 });
    const client = new BrightDataClient(
      {
        baseUrl: fake.url,
        apiKey: 'bd-test-key',
        timeoutMs: 2000,
        retry: { maxRetries: 10, baseDelayMs: 1, maxDelayMs: 1000 },
        gate,
        pollIntervalMs: 5,
        maxWaitMs: 1000,
        pricePer1kRecords: 1.5,
      },
      kit.ledger,
    );
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => client.collect(IG, ['https://www.instagram.com/someone/'], ctx)),
    );
    assert.ok(results.every((r) => r.status === 'rejected'));
    assert.equal(fake.billed.status429, 5, 'exactly the budget, not one more');
    assert.equal(fake.requests.length, 5);
    assert.equal(await gate.count(), 5);
    // Later calls fail fast without touching the network.
    await assert.rejects(client.collect(IG, ['https://www.instagram.com/someone/'], ctx), /stopped sending/);
    assert.equal(fake.requests.length, 5);
  });
});
