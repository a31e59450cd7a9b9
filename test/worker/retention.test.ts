import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { RetentionRepository } from '../../src/repositories/retention.repository.js';
import { RETENTION_LOCK_ID, runRetention, startRetentionTimer } from '../../src/worker/retention.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { seedJob, seedKey } from '../helpers/admin-seed.js';
import { waitUntil } from '../helpers/wait.js';

const DAY = 86_400_000;
let t: TestContext;

before(async () => {
  // A batch of 2 makes every table need several batches, which is what "bounded" has to survive.
  t = await createTestContext({ RETENTION_DAYS: '30', RETENTION_BATCH_SIZE: '2', RETENTION_INTERVAL_MS: '1000' });
});
after(async () => t.cleanup());

const count = async (sql: string, params: unknown[] = []) => {
  const { rows } = await t.ctx.pool.query<{ n: number }>(`select count(*)::int as n from (${sql}) x`, params);
  return rows[0]!.n;
};

async function seedCache(fresh: number, expired: number) {
  const entries = (n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => ({ platform: 'instagram' as const, handle: `${tag}${i}`, payload: { i } }));
  await t.ctx.repos.cache.putMany(entries(fresh, 'fresh'), 24);
  await t.ctx.repos.cache.putMany(entries(expired, 'old'), 24);
  await t.ctx.pool.query(`update brightdata_cache set expires_at = now() - interval '1 minute' where handle like 'old%'`);
}

test('a pass deletes expired cache rows and old jobs with their rows, keeps the rest, and rolls usage up', async () => {
  const { row: key } = await seedKey(t.ctx, 'retention');
  const withData = { events: true, artifacts: { timing: { ok: 1 } }, calls: [{ service: 'llm', operation: 'score', durationMs: 40, costUsd: 0.25 }] };
  const oldDone = await Promise.all(
    ['completed', 'completed', 'failed', 'cancelled', 'completed'].map((status) =>
      seedJob(t.ctx, { apiKeyId: key.id, status: status as 'completed', ageMs: 40 * DAY, ...withData }),
    ),
  );
  const staleRunning = await seedJob(t.ctx, { apiKeyId: key.id, status: 'running', ageMs: 45 * DAY });
  const oldButMoving = await seedJob(t.ctx, { apiKeyId: key.id, status: 'running', ageMs: 40 * DAY });
  await t.ctx.pool.query('update pipeline_jobs set updated_at = now() where id = $1', [oldButMoving]);
  const recent = await seedJob(t.ctx, { apiKeyId: key.id, status: 'completed', ageMs: 2 * DAY, ...withData });
  await seedCache(3, 5);
  await t.ctx.ledger.record({ jobId: null }, { service: 'embeddings', operation: 'embed', status: 'ok', durationMs: 5, units: {}, costUsd: 0.01 });
  await t.ctx.ledger.record({ jobId: null }, { service: 'embeddings', operation: 'embed', status: 'ok', durationMs: 5, units: {}, costUsd: 0.01 });
  await t.ctx.pool.query(`update external_calls set created_at = now() - interval '31 days' where job_id is null and id = (select min(id) from external_calls where job_id is null)`);

  const result = await runRetention(t.ctx);

  assert.deepEqual(result, { ran: true, jobs: 6, cache: 5, calls: 1, sessions: 0, dailyStarts: 0 });
  assert.equal(await count('select 1 from pipeline_jobs where id = any($1)', [[...oldDone, staleRunning]]), 0);
  assert.equal(await count('select 1 from pipeline_jobs where id = any($1)', [[oldButMoving, recent]]), 2);
  for (const table of ['pipeline_job_events', 'pipeline_job_artifacts', 'external_calls']) {
    assert.equal(await count(`select 1 from ${table} where job_id = any($1)`, [oldDone]), 0, `${table} of deleted jobs`);
    assert.ok((await count(`select 1 from ${table} where job_id = $1`, [recent])) > 0, `${table} of the recent job kept`);
  }
  assert.equal(await count(`select 1 from brightdata_cache where handle like 'fresh%'`), 3);
  assert.equal(await count('select 1 from brightdata_cache'), 3);
  assert.equal(await count('select 1 from external_calls where job_id is null'), 1);

  const { rows: usage } = await t.ctx.pool.query(
    'select jobs, completed, failed, cancelled, cost_usd::float8 as cost from usage_daily where api_key_id = $1',
    [key.id],
  );
  const sum = (k: string) => usage.reduce((s, r) => s + Number(r[k]), 0);
  assert.equal(sum('jobs'), 6);
  assert.equal(sum('completed'), 3);
  assert.equal(sum('failed'), 1);
  assert.equal(sum('cancelled'), 1);
  assert.ok(Math.abs(sum('cost') - 5 * 0.25) < 1e-9, `rolled-up cost ${sum('cost')}`);

  assert.deepEqual(await runRetention(t.ctx), { ran: true, jobs: 0, cache: 0, calls: 0, sessions: 0, dailyStarts: 0 }, 'a second pass finds nothing');
});

test("a pass drops the daily start counters of days before yesterday and keeps today's and yesterday's", async () => {
  const { row: key } = await seedKey(t.ctx, 'daily-starts');
  assert.equal(await t.ctx.repos.jobs.takeDailyStart(key.id, 10), true);
  const today = `(now() at time zone 'utc')::date`;
  await t.ctx.pool.query(
    `insert into api_key_daily_starts (api_key_id, day, n) values ($1, ${today} - 1, 4), ($1, ${today} - 2, 7), ($1, ${today} - 40, 9)`,
    [key.id],
  );
  const result = await runRetention(t.ctx);
  assert.equal(result.dailyStarts, 2);
  const { rows } = await t.ctx.pool.query<{ age: number; n: number }>(
    `select (${today} - day)::int as age, n from api_key_daily_starts where api_key_id = $1 order by day desc`,
    [key.id],
  );
  assert.deepEqual(rows, [
    { age: 0, n: 1 },
    { age: 1, n: 4 },
  ]);
  assert.equal(await t.ctx.repos.jobs.takeDailyStart(key.id, 2), true, "today's count goes on from 1");
  assert.equal(await t.ctx.repos.jobs.takeDailyStart(key.id, 2), false, 'and the quota still holds');
});

test('only one process runs a pass: with the advisory lock held elsewhere nothing is deleted', async () => {
  await seedCache(0, 3);
  const other = new pg.Client({ connectionString: t.db.url });
  await other.connect();
  try {
    await other.query('select pg_advisory_lock($1)', [RETENTION_LOCK_ID]);
    const [a, b] = await Promise.all([runRetention(t.ctx), runRetention(t.ctx)]);
    assert.equal(a.ran, false);
    assert.equal(b.ran, false);
    assert.ok((await count(`select 1 from brightdata_cache where expires_at <= now()`)) >= 3);
    await other.query('select pg_advisory_unlock($1)', [RETENTION_LOCK_ID]);
    const r = await runRetention(t.ctx);
    assert.equal(r.ran, true);
    assert.equal(await count(`select 1 from brightdata_cache where expires_at <= now()`), 0);
  } finally {
    await other.end();
  }
});

test('concurrent passes delete each expired row exactly once', async () => {
  await seedCache(0, 7);
  const results = await Promise.all([runRetention(t.ctx), runRetention(t.ctx), runRetention(t.ctx)]);
  assert.ok(results.some((r) => r.ran));
  assert.equal(results.reduce((s, r) => s + r.cache, 0), 7);
  assert.equal(await count('select 1 from brightdata_cache where expires_at <= now()'), 0);
});

test('each delete statement is bounded by the batch size', async () => {
  const { row: key } = await seedKey(t.ctx, 'batches');
  for (let i = 0; i < 3; i++) await seedJob(t.ctx, { apiKeyId: key.id, status: 'completed', ageMs: 35 * DAY });
  const repo = new RetentionRepository(t.ctx.pool);
  assert.equal(await repo.deleteOldJobs(30, 2), 2);
  assert.equal(await repo.deleteOldJobs(30, 2), 1);
  assert.equal(await repo.deleteOldJobs(30, 2), 0);
});

test('the timer runs passes on its interval and close() stops it', async () => {
  await seedCache(0, 4);
  // The timer's waits are handed to the test, which fires them: no waiting for the interval.
  const waits: { ms: number; fire: () => void; cancelled: boolean }[] = [];
  const timer = startRetentionTimer(t.ctx, (ms, fire) => {
    const w = { ms, fire, cancelled: false };
    waits.push(w);
    return () => (w.cancelled = true);
  });
  try {
    assert.equal(waits.length, 1);
    assert.ok(waits[0]!.ms <= 1_000, `first pass after ${waits[0]!.ms} ms, not later than the interval`);
    waits[0]!.fire();
    await waitUntil(() => waits.length === 2); // the next pass is scheduled when this one has ended
    assert.equal(await count('select 1 from brightdata_cache where expires_at <= now()'), 0, 'the pass deleted the expired rows');
    assert.equal(waits[1]!.ms, 1_000, 'then every RETENTION_INTERVAL_MS');
    waits[1]!.fire();
    await waitUntil(() => waits.length === 3);
  } finally {
    await timer.close();
  }
  assert.equal(waits[2]!.cancelled, true, 'close() cancels the pending wait');
  await seedCache(0, 2);
  waits[2]!.fire(); // even a wait that fires late after close() runs no pass
  await timer.close(); // (and would wait for one)
  assert.equal(waits.length, 3, 'nothing is scheduled after close()');
  assert.equal(await count('select 1 from brightdata_cache where expires_at <= now()'), 2, 'no pass after close()');
});
