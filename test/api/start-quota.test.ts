import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newJobId } from '../../src/domain/ids.js';
import { emptyMeta, startJobSchema, toJobParams } from '../../src/domain/job.js';
import { JobsRepository } from '../../src/repositories/jobs.repository.js';
import type { NewJob } from '../../src/repositories/jobs.repository.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';

const brief = 'fitness coach promoting protein snacks to US gym-goers';

/** The daily quota is one counter row raised by a conditional upsert; no per-key lock serialises starts. */
describe('daily quota under concurrent starts', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ START_RATE_LIMIT_BURST: '1000', START_RATE_LIMIT_PER_MIN: '6000', RATE_LIMIT_BURST: '1000', RATE_LIMIT_PER_MIN: '6000' });
  });
  after(async () => {
    await api.cleanup();
  });

  it('200 concurrent starts on one key with a quota of 50: exactly 50 jobs, 150 refused', async () => {
    const { key, row } = await api.newKey({ dailyJobQuota: 50 });
    const answers = await Promise.all(Array.from({ length: 200 }, () => api.call<{ job_id?: string; code?: string }>('/pipeline/start', { key, body: { brief } })));
    const accepted = answers.filter((r) => r.status === 202);
    const refused = answers.filter((r) => r.status === 429);
    assert.equal(accepted.length, 50, `statuses: ${JSON.stringify(answers.map((r) => r.status))}`);
    assert.equal(refused.length, 150);
    assert.ok(refused.every((r) => r.body.code === 'quota_exceeded'));
    assert.equal(new Set(accepted.map((r) => r.body.job_id)).size, 50);
    assert.equal(await api.ctx.repos.jobs.countCreatedToday(row.id), 50, 'no refused start left a job behind');
    const counter = await api.ctx.pool.query<{ n: number }>('select n from api_key_daily_starts where api_key_id = $1', [row.id]);
    assert.equal(counter.rows[0]?.n, 50);
  });

  it('concurrent starts with one Idempotency-Key create one job and use one unit of quota', async () => {
    const { key, row } = await api.newKey({ dailyJobQuota: 5 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => api.call<{ job_id?: string }>('/pipeline/start', { key, body: { brief }, headers: { 'Idempotency-Key': 'same-start-1' } })),
    );
    // a duplicate that arrives while the first is in flight is told to retry (409); every 202 names the one job
    const ok = answers.filter((r) => r.status === 202);
    assert.ok(ok.length >= 1);
    assert.ok(answers.every((r) => r.status === 202 || r.status === 409), JSON.stringify(answers.map((r) => r.status)));
    assert.equal(new Set(ok.map((r) => r.body.job_id)).size, 1);
    assert.equal(await api.ctx.repos.jobs.countCreatedToday(row.id), 1);
    // the other four units are still there
    const more = await Promise.all(Array.from({ length: 6 }, () => api.call('/pipeline/start', { key, body: { brief } })));
    assert.equal(more.filter((r) => r.status === 202).length, 4);
  });
});

/**
 * The start's Postgres write itself (JobsRepository.createForStart), without the Redis claim in
 * front of it: one statement that counts and inserts together, so a failure anywhere in it leaves
 * neither. Concurrent writes of one key commit it without waiting for the flush (then wait for it
 * in a second commit): the concurrent tests below run that path.
 */
describe('the start write: count and job together', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => {
    await api.cleanup();
  });

  const params = toJobParams(startJobSchema.parse({ brief }));
  const newJob = (apiKeyId: string, idempotencyKey: string | null = null): NewJob => ({
    id: newJobId(),
    apiKeyId,
    params,
    meta: emptyMeta(),
    idempotencyKey,
    requestHash: 'h',
  });
  const counted = async (apiKeyId: string) =>
    (await api.ctx.pool.query<{ n: number }>('select n from api_key_daily_starts where api_key_id = $1', [apiKeyId])).rows[0]?.n ?? 0;

  it('a job insert that fails leaves no job and no count', async () => {
    const { row } = await api.newKey({ dailyJobQuota: 3 });
    const first = await JobsRepository.createForStart(api.ctx.pool, newJob(row.id), 3);
    assert.equal(first.kind, 'created');
    // the same job id again: the insert fails on the primary key, after the same statement counted the start
    const again = { ...newJob(row.id), id: first.kind === 'created' ? first.job.id : '' };
    await assert.rejects(JobsRepository.createForStart(api.ctx.pool, again, 3), (err: { code?: string }) => err.code === '23505');
    assert.equal(await counted(row.id), 1, 'the failed start counted nothing');
    assert.equal(await api.ctx.repos.jobs.countCreatedToday(row.id), 1);
    // so the quota still has its two other units
    const kinds = [];
    for (let i = 0; i < 3; i++) kinds.push((await JobsRepository.createForStart(api.ctx.pool, newJob(row.id), 3)).kind);
    assert.deepEqual(kinds, ['created', 'created', 'quota']);
  });

  it('concurrent writes with one Idempotency-Key: one job, one count, every other write finds it', async () => {
    const { row } = await api.newKey({ dailyJobQuota: 5 });
    const writes = await Promise.all(Array.from({ length: 20 }, () => JobsRepository.createForStart(api.ctx.pool, newJob(row.id, 'one-write'), 5)));
    assert.equal(writes.filter((w) => w.kind === 'created').length, 1);
    const ids = new Set(writes.map((w) => (w.kind === 'quota' ? 'quota' : w.job.id)));
    assert.equal(ids.size, 1, JSON.stringify(writes.map((w) => w.kind)));
    assert.notEqual([...ids][0], 'quota');
    assert.equal(await counted(row.id), 1, 'the writes that met the unique index counted nothing');
    assert.equal(await api.ctx.repos.jobs.countCreatedToday(row.id), 1);
  });

  it('a replay of a live Idempotency-Key is answered even when the quota is used up, and counts nothing', async () => {
    const { row } = await api.newKey({ dailyJobQuota: 1 });
    const first = await JobsRepository.createForStart(api.ctx.pool, newJob(row.id, 'kept'), 1);
    assert.equal(first.kind, 'created');
    assert.equal((await JobsRepository.createForStart(api.ctx.pool, newJob(row.id), 1)).kind, 'quota');
    const replay = await JobsRepository.createForStart(api.ctx.pool, newJob(row.id, 'kept'), 1);
    assert.equal(replay.kind, 'existing');
    assert.ok(replay.kind === 'existing' && first.kind === 'created' && replay.job.id === first.job.id);
    assert.equal(await counted(row.id), 1);
  });
});
