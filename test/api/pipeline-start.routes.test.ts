import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';

interface Started {
  job_id: string;
  status: string;
  links: { self: string; events: string };
}
interface Problem {
  code: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

const brief = 'fitness coach promoting protein snacks to US gym-goers';

describe('POST /pipeline/start', () => {
  let api: TestApi;
  let key: string;
  let keyId: string;
  before(async () => {
    api = await startTestApi({ START_RATE_LIMIT_BURST: '500', START_RATE_LIMIT_PER_MIN: '600' });
    ({ key, row: { id: keyId } } = await api.newKey());
  });
  after(() => api.cleanup());

  test('202 with job_id, status and links; the row is written and the job queued', async () => {
    const res = await api.call<Started>('/pipeline/start', {
      key,
      body: { brief, platforms: ['instagram'], filters: { countries: ['us'], followers_min: 10_000, niches: ['food', 'fitness', 'food'] }, top_k: 10 },
    });
    assert.equal(res.status, 202, res.text);
    assert.match(res.body.job_id, /^job_[a-z0-9]+$/);
    assert.equal(res.body.status, 'pending');
    assert.equal(res.body.links.self, `/pipeline/jobs/${res.body.job_id}`);
    assert.equal(res.headers.get('location'), res.body.links.self);
    assert.match(res.headers.get('ratelimit-policy') ?? '', /^"start";q=500;w=\d+$/);
    assert.match(res.headers.get('ratelimit') ?? '', /^"start";r=\d+;t=\d+$/);

    const row = await api.ctx.repos.jobs.get(res.body.job_id);
    assert.equal(row?.apiKeyId, keyId);
    assert.equal(row?.params.topK, 10);
    assert.equal(row?.params.minFitScore, 35, 'the documented default floor');
    assert.deepEqual(row?.params.filters, { countries: ['US'], followersMin: 10_000, niches: ['food', 'fitness'], platforms: ['instagram'] });
    assert.ok(await api.ctx.queue.isQueued(res.body.job_id));
  });

  test('validation: every bad field is named, nothing is written', async () => {
    const before = await api.ctx.repos.jobs.countCreatedToday(keyId);
    const cases: [unknown, string][] = [
      [{}, 'brief'],
      [{ brief: 'short' }, 'brief'],
      [{ brief, colour: 'red' }, 'colour'],
      [{ brief, top_k: 1000 }, 'top_k'],
      [{ brief, top_k: '10' }, 'top_k'],
      [{ brief, min_fit_score: 101 }, 'min_fit_score'],
      [{ brief, min_fit_score: -1 }, 'min_fit_score'],
      [{ brief, min_fit_score: 12.5 }, 'min_fit_score'],
      [{ brief, min_fit_score: '35' }, 'min_fit_score'],
      [{ brief, platforms: ['myspace'] }, 'platforms.0'],
      [{ brief, filters: { countries: ['USA'] } }, 'filters.countries.0'],
      [{ brief, filters: { followers_min: 10, followers_max: 5 } }, 'filters.followers_min'],
      [{ brief, filters: { vibe: 'good' } }, 'filters.vibe'],
      [{ brief, filters: { niches: ['cooking'] } }, 'filters.niches.0'],
      [{ brief, filters: { niches: [] } }, 'filters.niches'],
      [{ brief, exclude_handles: ['nope'] }, 'exclude_handles.0'],
      [{ brief, webhook_url: 'ftp://example.com/hook' }, 'webhook_url'],
      [{ brief, webhook_url: 'http://127.0.0.1:9/hook' }, 'webhook_url'],
      [{ brief, webhook_url: 'http://user:pw@example.com/hook' }, 'webhook_url'],
      [[brief], '(body)'],
    ];
    for (const [body, field] of cases) {
      const res = await api.call<Problem>('/pipeline/start', { key, body });
      assert.equal(res.status, 422, `${JSON.stringify(body)} → ${res.text}`);
      assert.equal(res.body.code, 'validation_failed');
      assert.ok(res.body.errors?.some((e) => e.field === field), `${JSON.stringify(body)} should name ${field}: ${res.text}`);
    }
    assert.equal(await api.ctx.repos.jobs.countCreatedToday(keyId), before);
  });

  test('Idempotency-Key: same body replays the job, another body is 422, scoped per API key', async () => {
    const idem = { 'Idempotency-Key': 'order-4711' };
    const first = await api.call<Started>('/pipeline/start', { key, body: { brief, top_k: 5 }, headers: idem });
    assert.equal(first.status, 202);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    // Same request, keys in another order and the default spelled out: still the same request.
    const again = await api.call<Started>('/pipeline/start', { key, body: { candidate_limit: 150, top_k: 5, brief }, headers: idem });
    assert.equal(again.status, 202);
    assert.equal(again.body.job_id, first.body.job_id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');

    const other = await api.call<Problem>('/pipeline/start', { key, body: { brief, top_k: 6 }, headers: idem });
    assert.equal(other.status, 422);
    assert.equal(other.body.code, 'idempotency_key_reused');

    const tenant = await api.newKey();
    const theirs = await api.call<Started>('/pipeline/start', { key: tenant.key, body: { brief, top_k: 5 }, headers: idem });
    assert.equal(theirs.status, 202);
    assert.notEqual(theirs.body.job_id, first.body.job_id);
    assert.equal(theirs.headers.get('idempotent-replayed'), null);
  });

  test('Idempotency-Key survives the loss of Redis state (the database index is the backstop)', async () => {
    const idem = { 'Idempotency-Key': 'db-backstop-1' };
    const first = await api.call<Started>('/pipeline/start', { key, body: { brief }, headers: idem });
    const keys = await api.ctx.redis.keys(`${api.redisPrefix}:idem:*`);
    assert.ok(keys.length > 0);
    await api.ctx.redis.del(...keys);
    const again = await api.call<Started>('/pipeline/start', { key, body: { brief }, headers: idem });
    assert.equal(again.body.job_id, first.body.job_id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    await api.ctx.redis.del(...(await api.ctx.redis.keys(`${api.redisPrefix}:idem:*`)));
    const changed = await api.call<Problem>('/pipeline/start', { key, body: { brief: `${brief}!` }, headers: idem });
    assert.equal(changed.status, 422);
  });

  test('Idempotency-Key lives 24 h: an older job gives its key up, the key starts a new job and counts against the quota', async () => {
    const { key: own, row } = await api.newKey({ dailyJobQuota: 3 });
    const idem = { 'Idempotency-Key': 'reused-after-a-day' };
    const old = await api.call<Started>('/pipeline/start', { key: own, body: { brief }, headers: idem });
    assert.equal(old.status, 202, old.text);
    await api.ctx.pool.query(`update pipeline_jobs set created_at = now() - interval '25 hours' where id = $1`, [old.body.job_id]);
    // Redis keeps the key 24 h too: by now its record has expired
    await api.ctx.redis.del(...(await api.ctx.redis.keys(`${api.redisPrefix}:idem:*`)));

    const fresh = await api.call<Started>('/pipeline/start', { key: own, body: { brief: `${brief}, another day` }, headers: idem });
    assert.equal(fresh.status, 202, fresh.text);
    assert.notEqual(fresh.body.job_id, old.body.job_id);
    assert.equal(fresh.headers.get('idempotent-replayed'), null);
    assert.equal((await api.ctx.repos.jobs.get(old.body.job_id))?.idempotencyKey, null, 'the old job gave its key up');
    assert.equal((await api.ctx.repos.jobs.get(fresh.body.job_id))?.idempotencyKey, 'reused-after-a-day');
    const { rows } = await api.ctx.pool.query<{ n: number }>('select n from api_key_daily_starts where api_key_id = $1', [row.id]);
    assert.equal(rows[0]?.n, 2, 'both jobs were counted');

    // and from now on the key replays the new job
    await api.ctx.redis.del(...(await api.ctx.redis.keys(`${api.redisPrefix}:idem:*`)));
    const again = await api.call<Started>('/pipeline/start', { key: own, body: { brief: `${brief}, another day` }, headers: idem });
    assert.equal(again.body.job_id, fresh.body.job_id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
  });

  test('Idempotency-Key is capped and must be printable', async () => {
    for (const value of ['x'.repeat(256), 'has space', '']) {
      const res = await api.call<Problem>('/pipeline/start', { key, body: { brief }, headers: { 'Idempotency-Key': value } });
      if (value === '') continue; // fetch drops empty headers
      assert.equal(res.status, 400, value);
      assert.equal(res.body.errors?.[0]?.field, 'Idempotency-Key');
    }
    const ok = await api.call('/pipeline/start', { key, body: { brief }, headers: { 'Idempotency-Key': 'k'.repeat(255) } });
    assert.equal(ok.status, 202);
  });

  test('daily quota: the key gets exactly its quota of jobs, then 429 with Retry-After until midnight UTC', async () => {
    const { key: small } = await api.newKey({ dailyJobQuota: 3 });
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => api.call('/pipeline/start', { key: small, body: { brief } }).then((r) => r)),
    );
    assert.equal(statuses.filter((r) => r.status === 202).length, 3);
    const refused = statuses.filter((r) => r.status === 429);
    assert.equal(refused.length, 5);
    assert.equal((refused[0]!.body as unknown as Problem).code, 'quota_exceeded');
    const retry = Number(refused[0]!.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 86_400);
  });

  test('webhook URLs are checked: private addresses refused unless allowed', async () => {
    const res = await api.call<Problem>('/pipeline/start', { key, body: { brief, webhook_url: 'http://localhost:8080/hook' } });
    assert.equal(res.status, 422);
    assert.match(res.body.errors?.[0]?.message ?? '', /private|loopback/);
    const v6 = await api.call<Problem>('/pipeline/start', { key, body: { brief, webhook_url: 'http://[::1]/hook' } });
    assert.equal(v6.status, 422);
    const meta = await api.call<Problem>('/pipeline/start', { key, body: { brief, webhook_url: 'http://169.254.169.254/latest' } });
    assert.equal(meta.status, 422);
  });
});
