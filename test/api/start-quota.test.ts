import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
