import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { generateApiKey } from '../../src/domain/api-key.js';
import { authenticateApiKey, createApiKey, effectiveLimits } from '../../src/services/api-keys.service.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';

describe('API key limits', () => {
  test('effective limits: key overrides win, config fills the rest, start bucket never looser', () => {
    const limits = loadConfig({ RATE_LIMIT_PER_MIN: '100', START_RATE_LIMIT_PER_MIN: '20', DAILY_JOB_QUOTA: '50' }).limits;
    assert.deepEqual(effectiveLimits({ rateLimitPerMin: null, dailyJobQuota: null }, limits), {
      ratePerMin: 100,
      burst: limits.burst,
      startRatePerMin: 20,
      startBurst: limits.startBurst,
      dailyJobQuota: 50,
    });
    const own = effectiveLimits({ rateLimitPerMin: 5, dailyJobQuota: 7 }, limits);
    assert.equal(own.ratePerMin, 5);
    assert.equal(own.startRatePerMin, 5);
    assert.equal(own.dailyJobQuota, 7);
  });
});

describe('API keys in Postgres', () => {
  let tc: TestContext;
  before(async () => {
    tc = await createTestContext();
  });
  after(() => tc.cleanup());

  test('only the hash is stored; the plaintext authenticates, revocation sticks', async () => {
    const { key, row } = await createApiKey(tc.ctx.repos.apiKeys, { name: 'acme', rateLimitPerMin: 30, dailyJobQuota: 10 });
    const { rows } = await tc.ctx.pool.query<{ dump: string }>('select row_to_json(k)::text as dump from api_keys k where id = $1', [row.id]);
    assert.ok(!rows[0]!.dump.includes(key), 'plaintext key must not be stored');
    assert.ok(!rows[0]!.dump.includes(key.slice(4, 20)), 'no long fragment of the key is stored');
    assert.match(row.webhookSecret, /^whsec_[A-Za-z0-9_-]{43}$/);

    const ok = await authenticateApiKey(tc.ctx.repos.apiKeys, key);
    assert.equal(ok.ok, true);
    assert.equal(ok.ok && ok.key.id, row.id);
    assert.equal(ok.ok && 'keyHash' in ok.key, false, 'the hash is not handed around');

    assert.deepEqual(await authenticateApiKey(tc.ctx.repos.apiKeys, undefined), { ok: false, reason: 'missing' });
    assert.deepEqual(await authenticateApiKey(tc.ctx.repos.apiKeys, 'isk_nope'), { ok: false, reason: 'malformed' });
    assert.deepEqual(await authenticateApiKey(tc.ctx.repos.apiKeys, generateApiKey().key), { ok: false, reason: 'unknown' });

    assert.ok(await tc.ctx.repos.apiKeys.revoke(row.id));
    assert.deepEqual(await authenticateApiKey(tc.ctx.repos.apiKeys, key), { ok: false, reason: 'revoked' });
  });

  test('bad names and limits are refused before anything is written', async () => {
    await assert.rejects(createApiKey(tc.ctx.repos.apiKeys, { name: '  ' }), RangeError);
    await assert.rejects(createApiKey(tc.ctx.repos.apiKeys, { name: 'x', rateLimitPerMin: 0 }), RangeError);
    await assert.rejects(createApiKey(tc.ctx.repos.apiKeys, { name: 'x', dailyJobQuota: 1.5 }), RangeError);
  });
});
