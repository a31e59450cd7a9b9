import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startJobSchema } from '../../src/domain/job.js';
import { IdempotencyStore } from '../../src/stores/idempotency.store.js';
import { startJob } from '../../src/services/jobs.service.js';
import { startTestApi } from '../helpers/api-server.js';
import { freePort } from '../helpers/processes.js';
import type { TestApi } from '../helpers/api-server.js';

const body = { brief: 'vegan protein bar launch for US gym-goers, 25–34, micro-influencers', top_k: 20 };

describe('Idempotency-Key under concurrency', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ START_RATE_LIMIT_BURST: '1000', START_RATE_LIMIT_PER_MIN: '1000' });
  });
  after(() => api.cleanup());

  test('acceptance: 50 concurrent identical starts with one Idempotency-Key create exactly one job', async () => {
    const { key, row } = await api.newKey();
    const headers = { 'Idempotency-Key': 'launch-campaign-2026-05' };
    const responses = await Promise.all(Array.from({ length: 50 }, () => api.call<{ job_id?: string; code?: string }>('/pipeline/start', { key, body, headers })));
    const statuses = responses.map((r) => r.status);
    assert.ok(statuses.every((s) => s === 202 || s === 409), `only 202 or 409: ${statuses.join(',')}`);
    const accepted = responses.filter((r) => r.status === 202);
    assert.ok(accepted.length >= 1);
    assert.equal(new Set(accepted.map((r) => r.body.job_id)).size, 1, 'every 202 names the same job');
    assert.equal(accepted.filter((r) => r.headers.get('idempotent-replayed') === null).length, 1, 'exactly one original');
    for (const r of responses.filter((x) => x.status === 409)) {
      assert.equal(r.body.code, 'idempotency_in_progress');
      assert.equal(r.headers.get('retry-after'), '1');
    }
    const { rows } = await api.ctx.pool.query('select id from pipeline_jobs where api_key_id = $1', [row.id]);
    assert.equal(rows.length, 1, 'exactly one job row');

    const later = await api.call<{ job_id: string }>('/pipeline/start', { key, body, headers });
    assert.equal(later.status, 202);
    assert.equal(later.body.job_id, accepted[0]!.body.job_id);
    assert.equal(later.headers.get('idempotent-replayed'), 'true');
  });

  test('with Redis unreachable, concurrent duplicates are still one job (per-key lock + unique index)', async () => {
    const { row } = await api.newKey();
    // The idempotency store gets a client that cannot connect; the queue keeps working.
    const deadRedis = new Redis({ port: await freePort(), enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    deadRedis.on('error', () => {});
    const ctx = { ...api.ctx, redis: deadRedis, stores: { ...api.ctx.stores, idempotency: new IdempotencyStore(deadRedis, api.redisPrefix) } };
    try {
      const request = startJobSchema.parse(body);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => startJob(ctx, row, request, 'db-only')));
      assert.equal(new Set(outcomes.map((o) => o.job.id)).size, 1);
      assert.equal(outcomes.filter((o) => !o.replayed).length, 1);
      const { rows } = await api.ctx.pool.query('select id from pipeline_jobs where api_key_id = $1', [row.id]);
      assert.equal(rows.length, 1);
      await assert.rejects(startJob(ctx, row, startJobSchema.parse({ ...body, top_k: 3 }), 'db-only'), /different request body/);
    } finally {
      deadRedis.disconnect();
    }
  });

  test('a failed attempt does not burn the key: after a quota refusal the same key can be used again', async () => {
    const { key } = await api.newKey({ dailyJobQuota: 1 });
    assert.equal((await api.call('/pipeline/start', { key, body })).status, 202);
    const headers = { 'Idempotency-Key': 'retry-me' };
    const refused = await api.call<{ code: string }>('/pipeline/start', { key, body, headers });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'quota_exceeded');
    const again = await api.call<{ code: string }>('/pipeline/start', { key, body, headers });
    assert.equal(again.status, 429, 'evaluated again, not stuck "in progress"');
  });
});
