import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { authenticateApiKey } from '../../src/services/api-keys.service.js';
import { runRetention } from '../../src/worker/retention.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { raw, startApp } from '../helpers/admin-http.js';
import type { RunningApp } from '../helpers/admin-http.js';
import { failQueueEntry, seedJob, seedKey } from '../helpers/admin-seed.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let t: TestContext;
let app: RunningApp;

before(async () => {
  t = await createTestContext({ RETENTION_DAYS: '5', JOB_ATTEMPTS: '1' });
  app = await startApp(t.ctx);
});
after(async () => {
  await app.close();
  await t.cleanup();
});

const get = async <T = Record<string, unknown>>(path: string, status = 200): Promise<T> => {
  const res = await raw(app.base, `/admin/api${path}`, { headers: { 'X-Admin-Key': t.config.adminKey! } });
  assert.equal(res.status, status, `${path}: ${res.body}`);
  return res.json<T>();
};
const send = (method: string, path: string, body?: unknown) =>
  raw(app.base, `/admin/api${path}`, {
    method,
    headers: { 'X-Admin-Key': t.config.adminKey!, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** Linear-interpolation percentile, as Postgres' percentile_cont computes it. */
function percentile(values: number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  return v[lo]! + (v[Math.min(lo + 1, v.length - 1)]! - v[lo]!) * (pos - lo);
}
const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

describe('overview, job listing and inspector', () => {
  const recentRuns = [1000, 2000, 3000, 4000];
  const costs = { recent: 0.1, old: 1, unattributed: 0.05 };
  let keyA: string;
  let keyB: string;
  let inspected: string;
  let oldFailed: string;

  before(async () => {
    keyA = (await seedKey(t.ctx, 'alpha')).row.id;
    keyB = (await seedKey(t.ctx, 'beta')).row.id;
    for (const [i, runMs] of recentRuns.entries()) {
      await seedJob(t.ctx, { apiKeyId: keyA, status: 'completed', ageMs: (i + 1) * HOUR, runMs, calls: [{ service: 'llm', operation: 'score', durationMs: 300, costUsd: costs.recent }] });
    }
    inspected = await seedJob(t.ctx, {
      apiKeyId: keyA,
      status: 'failed',
      ageMs: 2 * HOUR,
      runMs: 500,
      events: true,
      error: { code: 'provider_failed', message: 'brightdata gave up after 3 attempts' },
      calls: [
        { service: 'brightdata', operation: 'trigger', durationMs: 1200, costUsd: 0.3, units: { records: 200 } },
        { service: 'brightdata', operation: 'snapshot', durationMs: 90, costUsd: 0, status: 'error' },
      ],
      artifacts: { candidates: [{ handle: 'a' }], final: { results: [{ rank: 1, platform: 'instagram', handle: 'fit_anna', fit_score: 91 }] } },
    });
    await seedJob(t.ctx, { apiKeyId: keyA, status: 'cancelled', ageMs: 3 * HOUR });
    await seedJob(t.ctx, { apiKeyId: keyA, status: 'running', ageMs: 10 * 60_000 });
    await seedJob(t.ctx, { apiKeyId: keyB, status: 'pending', ageMs: 60_000 });
    await seedJob(t.ctx, { apiKeyId: keyB, status: 'completed', ageMs: 3 * DAY, runMs: 10_000, calls: [{ service: 'llm', operation: 'expand', durationMs: 700, costUsd: costs.old }] });
    oldFailed = await seedJob(t.ctx, { apiKeyId: keyB, status: 'failed', ageMs: 10 * DAY });
    await t.ctx.ledger.record({ jobId: null }, { service: 'embeddings', operation: 'embed', status: 'ok', durationMs: 20, units: {}, costUsd: costs.unattributed });
  });

  test('overview: counts, success rate, duration percentiles and cost per window', async () => {
    const o = await get<{ windows: Record<string, Record<string, number | null>>; series: { points: { completed: number; failed: number; other: number; cost_usd: number }[]; bucket_seconds: number } }>('/overview');
    const w24 = o.windows['24h']!;
    assert.equal(w24.jobs, 8);
    assert.equal(w24.completed, 4);
    assert.equal(w24.failed, 1);
    assert.equal(w24.cancelled, 1);
    assert.equal(w24.active, 2);
    assert.ok(close(w24.success_rate!, 4 / 5));
    assert.equal(w24.p50_ms, Math.round(percentile(recentRuns, 0.5)));
    assert.equal(w24.p95_ms, Math.round(percentile(recentRuns, 0.95)));
    assert.ok(close(w24.cost_usd!, 4 * costs.recent + 0.3 + costs.unattributed));
    // import-time calls (no job) are their own line, included in the total
    assert.ok(close(w24.cost_without_job_usd!, costs.unattributed));
    const today = new Date().toISOString().slice(0, 10);
    const usage = await get<{ without_job: { day: string; calls: number; cost_usd: number }[]; totals: { cost_without_job_usd: number } }>(`/usage?from=${today}&to=${today}`);
    assert.deepEqual(usage.without_job.map((r) => [r.day, r.calls]), [[today, 1]]);
    assert.ok(close(usage.totals.cost_without_job_usd, costs.unattributed));

    const w7 = o.windows['7d']!;
    assert.equal(w7.jobs, 9);
    assert.equal(w7.p95_ms, Math.round(percentile([...recentRuns, 10_000], 0.95)));
    assert.ok(close(w7.cost_usd!, 4 * costs.recent + 0.3 + costs.unattributed + costs.old));
    assert.equal(o.windows['30d']!.jobs, 10);
    assert.ok(close(o.windows['30d']!.success_rate!, 5 / 7));

    assert.equal(o.series.bucket_seconds, 3600);
    assert.ok(o.series.points.length >= 24 && o.series.points.length <= 25);
    const sum = (k: 'completed' | 'failed' | 'other' | 'cost_usd') => o.series.points.reduce((s, p) => s + p[k], 0);
    assert.deepEqual([sum('completed'), sum('failed'), sum('other')], [4, 1, 3]);
    assert.ok(close(sum('cost_usd'), w24.cost_usd!));

    const week = await get<{ series: { bucket_seconds: number; points: unknown[] } }>('/overview?window=7d');
    assert.equal(week.series.bucket_seconds, 6 * 3600);
    await get('/overview?window=1y', 422);
  });

  test('job listing: filters by status, key and creation time', async () => {
    type Page = { jobs: { id: string; status: string; key_name: string }[]; next_cursor: string | null };
    const all = await get<Page>('/jobs?limit=200');
    assert.equal(all.jobs.length, 10);
    assert.equal(all.next_cursor, null);
    const failed = await get<Page>('/jobs?status=failed');
    assert.deepEqual(failed.jobs.map((j) => j.status), ['failed', 'failed']);
    const failedB = await get<Page>(`/jobs?status=failed&key=${keyB}`);
    assert.deepEqual(failedB.jobs.map((j) => j.id), [oldFailed]);
    const from = new Date(Date.now() - 11 * DAY).toISOString();
    const to = new Date(Date.now() - 2 * DAY).toISOString();
    const older = await get<Page>(`/jobs?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    assert.equal(older.jobs.length, 2);
    assert.ok(older.jobs.every((j) => j.key_name === 'beta'));
    const empty = await get<Page>('/jobs?status=&key=&from=&to=');
    assert.equal(empty.jobs.length, 10, 'empty form fields mean "any"');
    await get('/jobs?status=bogus', 422);
    await get('/jobs?cursor=not-a-cursor', 422);
    await get('/jobs?limit=5000', 422);
  });

  test('job listing pages with a keyset cursor: no gaps, no repeats, even for equal timestamps', async () => {
    const keyC = (await seedKey(t.ctx, 'gamma')).row.id;
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await seedJob(t.ctx, { apiKeyId: keyC, status: 'completed', ageMs: 5 * HOUR }));
    await t.ctx.pool.query(`update pipeline_jobs set created_at = (select min(created_at) from pipeline_jobs where api_key_id = $1) where api_key_id = $1`, [keyC]);
    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const page = await get<{ jobs: { id: string }[]; next_cursor: string | null }>(`/jobs?key=${keyC}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.next_cursor ?? '';
      pages++;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].sort().reverse(), 'newest first, ties broken by id, each exactly once');
  });

  test('job inspector: params, events, calls with costs, artifacts and queue state', async () => {
    type Detail = {
      job: { id: string; status: string; key_name: string; params: { brief: string }; error: { code: string }; duration_ms: number };
      events: { seq: number; type: string }[];
      calls: { service: string; operation: string; status: string; duration_ms: number; cost_usd: number; units: Record<string, number> }[];
      calls_total: { count: number; cost_usd: number; duration_ms: number };
      artifacts: { kind: string; bytes: number }[];
      queue: { state: string } | null;
    };
    const d = await get<Detail>(`/jobs/${inspected}`);
    assert.equal(d.job.id, inspected);
    assert.equal(d.job.status, 'failed');
    assert.equal(d.job.key_name, 'alpha');
    assert.equal(d.job.error.code, 'provider_failed');
    assert.equal(d.job.duration_ms, 500);
    assert.match(d.job.params.brief, /vegan protein bar/);
    assert.deepEqual(d.events.map((e) => e.type), ['stage_started', 'stage_completed', 'progress', 'failed']);
    assert.deepEqual(d.events.map((e) => e.seq), [1, 2, 3, 4]);
    assert.deepEqual(d.calls.map((c) => `${c.service}.${c.operation}:${c.status}`), ['brightdata.trigger:ok', 'brightdata.snapshot:error']);
    assert.equal(d.calls[0]!.units.records, 200);
    assert.deepEqual(d.calls_total, { count: 2, cost_usd: 0.3, duration_ms: 1290 });
    assert.deepEqual(d.artifacts.map((a) => a.kind), ['candidates', 'final']);
    assert.deepEqual(d.queue, { state: 'absent', attempts_made: 0, failed_reason: null });

    const final = await get<{ kind: string; data: { results: { handle: string }[] } }>(`/jobs/${inspected}/artifacts/final`);
    assert.equal(final.data.results[0]!.handle, 'fit_anna');
    await get(`/jobs/${inspected}/artifacts/timing`, 404);
    await get(`/jobs/${inspected}/artifacts/passwords`, 422);
    await get('/jobs/job_doesnotexist', 404);
    await get('/jobs/not-a-job-id', 422);
  });
});

describe('usage per key and day', () => {
  test('live jobs and the rows retention rolled up add up to the same usage', async () => {
    const key = (await seedKey(t.ctx, 'delta')).row.id;
    for (const [ageDays, status, cost] of [
      [7, 'completed', 0.5],
      [7, 'failed', 0.25],
      [8, 'completed', 2],
      [1, 'completed', 0.125],
    ] as const) {
      await seedJob(t.ctx, { apiKeyId: key, status, ageMs: ageDays * DAY + HOUR, calls: [{ service: 'llm', operation: 'score', durationMs: 10, costUsd: cost }] });
    }
    const from = new Date(Date.now() - 12 * DAY).toISOString().slice(0, 10);
    type Usage = { rows: { day: string; key_name: string; jobs: number; completed: number; failed: number; cost_usd: number }[]; totals: { jobs: number; cost_usd: number } };
    const before = await get<Usage>(`/usage?from=${from}&key=${key}`);
    assert.equal(before.totals.jobs, 4);
    assert.ok(close(before.totals.cost_usd, 2.875));
    assert.equal(before.rows.length, 3, 'three distinct days');
    assert.ok(before.rows.every((r) => r.key_name === 'delta'));

    const r = await runRetention(t.ctx);
    assert.ok(r.ran && r.jobs >= 3, 'retention (5 days) deleted the old jobs');
    const afterRetention = await get<Usage>(`/usage?from=${from}&key=${key}`);
    assert.deepEqual(afterRetention.rows, before.rows);

    await get('/usage?from=2026-02-10&to=2026-02-01', 422);
    await get('/usage?from=2020-01-01&to=2026-01-01', 422);
    await get('/usage?from=yesterday', 422);
  });
});

describe('queue and retry', () => {
  test('a failed job shows in the queue and retry sends it back to pending and the queue', async () => {
    const key = (await seedKey(t.ctx, 'epsilon')).row.id;
    const jobId = await seedJob(t.ctx, { apiKeyId: key, status: 'failed', error: { code: 'internal', message: 'boom' } });
    await failQueueEntry(t.ctx, jobId);

    const q = await get<{ counts: Record<string, number>; failed: { id: string; failed_reason: string; job_status: string }[] }>('/queue');
    assert.equal(q.counts.failed, 1);
    assert.deepEqual(q.failed.map((f) => [f.id, f.failed_reason, f.job_status]), [[jobId, 'the worker gave up', 'failed']]);

    const retry = await send('POST', `/jobs/${jobId}/retry`);
    assert.equal(retry.status, 202, retry.body);
    assert.equal(retry.json().outcome, 'requeued');
    assert.equal(await t.ctx.queue.queue.getJobState(jobId), 'waiting');
    const job = await t.ctx.repos.jobs.get(jobId);
    assert.equal(job!.status, 'pending');
    assert.equal(job!.error, null);
    const events = await t.ctx.repos.events.list(jobId, 0, 100);
    assert.equal(events.at(-1)!.type, 'warning');
    assert.equal(events.at(-1)!.data.code, 'admin_retry');

    const again = await send('POST', `/jobs/${jobId}/retry`);
    assert.equal(again.status, 202);
    assert.equal(again.json().outcome, 'already_queued', 'pressing retry twice is harmless');

    const done = await seedJob(t.ctx, { apiKeyId: key, status: 'completed' });
    assert.equal((await send('POST', `/jobs/${done}/retry`)).status, 409);
    assert.equal((await send('POST', '/jobs/job_nope/retry')).status, 404);
  });

  test('a failed job whose queue entry is gone is enqueued afresh', async () => {
    const key = (await seedKey(t.ctx, 'zeta')).row.id;
    const jobId = await seedJob(t.ctx, { apiKeyId: key, status: 'failed' });
    const res = await send('POST', `/jobs/${jobId}/retry`);
    assert.equal(res.status, 202);
    assert.equal(await t.ctx.queue.queue.getJobState(jobId), 'waiting');
  });
});

describe('API keys', () => {
  test('create shows the key once; list never shows it; limits can be edited; revoke takes effect', async () => {
    const created = await send('POST', '/keys', { name: 'acme-prod', rate_limit_per_min: 30 });
    assert.equal(created.status, 201, created.body);
    const { key, api_key } = created.json<{ key: string; api_key: { id: string; prefix: string; rate_limit_per_min: number; daily_job_quota: number | null } }>();
    assert.match(key, /^isk_/);
    assert.ok(key.startsWith(api_key.prefix));
    assert.equal(api_key.rate_limit_per_min, 30);
    assert.equal(api_key.daily_job_quota, null);
    const auth = await authenticateApiKey(t.ctx.repos.apiKeys, key);
    assert.equal(auth.ok, true);

    const list = await raw(app.base, '/admin/api/keys', { headers: { 'X-Admin-Key': t.config.adminKey! } });
    assert.ok(!list.body.includes(key), 'the plaintext key is never listed');
    assert.ok(!/key_hash|keyHash|webhook/i.test(list.body), 'no hashes or secrets in the listing');
    const listed = list.json<{ keys: { id: string; name: string }[]; defaults: { rate_limit_per_min: number } }>();
    assert.ok(listed.keys.some((k) => k.id === api_key.id && k.name === 'acme-prod'));
    assert.equal(listed.defaults.rate_limit_per_min, t.config.limits.ratePerMin);

    const patched = await send('PATCH', `/keys/${api_key.id}`, { rate_limit_per_min: null, daily_job_quota: 5 });
    assert.equal(patched.status, 200, patched.body);
    assert.deepEqual(
      [patched.json<{ api_key: { rate_limit_per_min: null; daily_job_quota: number } }>().api_key.rate_limit_per_min, patched.json<{ api_key: { daily_job_quota: number } }>().api_key.daily_job_quota],
      [null, 5],
    );

    const revoked = await send('POST', `/keys/${api_key.id}/revoke`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.json().revoked_now, true);
    const denied = await authenticateApiKey(t.ctx.repos.apiKeys, key);
    assert.deepEqual(denied, { ok: false, reason: 'revoked' });
    assert.equal((await send('POST', `/keys/${api_key.id}/revoke`)).json().revoked_now, false);
  });

  test('bad key requests name the field', async () => {
    const unknown = await send('POST', '/keys', { name: 'x', admin: true });
    assert.equal(unknown.status, 422);
    assert.ok(unknown.json<{ errors: { field: string }[] }>().errors.some((e) => e.field === 'admin'));
    const noName = await send('POST', '/keys', {});
    assert.ok(noName.json<{ errors: { field: string }[] }>().errors.some((e) => e.field === 'name'));
    const badLimit = await send('PATCH', '/keys/key_abc', { daily_job_quota: 0 });
    assert.equal(badLimit.status, 422);
    assert.equal((await send('PATCH', '/keys/key_nosuchkey', { daily_job_quota: 3 })).status, 404);
    assert.equal((await send('PATCH', '/keys/key_abc', {})).status, 422);
    assert.equal((await send('POST', '/keys/not-a-key/revoke')).status, 422);
  });

  test('unknown admin endpoints are 404 problems', async () => {
    const res = await raw(app.base, '/admin/api/nope', { headers: { 'X-Admin-Key': t.config.adminKey! } });
    assert.equal(res.status, 404);
    assert.match(res.headers['content-type'] ?? '', /problem\+json/);
  });
});
