import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { z } from 'zod';
import { artifactResponseSchema, jobViewSchema, problemSchema, resultsResponseSchema } from '../../src/api/schemas.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { rankedResult as ranked } from '../helpers/ranked-result.js';

describe('job routes: status, results, artifacts, cancel', () => {
  let api: TestApi;
  let owner: { key: string; id: string };
  let stranger: string;
  before(async () => {
    api = await startTestApi();
    const a = await api.newKey();
    owner = { key: a.key, id: a.row.id };
    stranger = (await api.newKey()).key;
  });
  after(() => api.cleanup());

  test('GET /pipeline/jobs/:id shows status, stage, progress, counters incl. cost_usd and timestamps', async () => {
    const job = await api.insertJob(owner.id, { status: 'running' });
    await api.ctx.repos.jobs.updateProgress(job.id, { stage: 'score', progress: 0.6, meta: { candidates: 120, scored: 40 } });
    await api.ctx.repos.calls.insert({ jobId: job.id, service: 'llm', operation: 'score', status: 'ok', durationMs: 12, units: {}, costUsd: 0.0125 });
    const res = await api.call<z.infer<typeof jobViewSchema>>(`/pipeline/jobs/${job.id}`, { key: owner.key });
    assert.equal(res.status, 200);
    jobViewSchema.parse(res.body);
    assert.equal(res.body.status, 'running');
    assert.equal(res.body.stage, 'score');
    assert.ok(Math.abs(res.body.progress - 0.6) < 1e-6);
    assert.equal(res.body.meta.candidates, 120);
    assert.equal(res.body.meta.scored, 40);
    assert.equal(res.body.meta.cost_usd, 0.0125);
    assert.ok(res.body.started_at);
    assert.equal(res.body.finished_at, null);
    assert.equal(res.body.request.brief, 'fitness coach promoting protein snacks');
  });

  test('another key, a malformed id and a missing job are all the same 404', async () => {
    const job = await api.insertJob(owner.id);
    for (const [path, key] of [
      [`/pipeline/jobs/${job.id}`, stranger],
      ['/pipeline/jobs/job_doesnotexist', owner.key],
      ['/pipeline/jobs/..%2F..%2Fetc', owner.key],
      [`/pipeline/jobs/${'x'.repeat(5000)}`, owner.key],
    ] as const) {
      const res = await api.call<z.infer<typeof problemSchema>>(path, { key });
      assert.equal(res.status, 404, path);
      problemSchema.parse(res.body);
      assert.equal(res.body.code, 'not_found');
    }
  });

  test('results: 409 until completed, then the final ranked list', async () => {
    const job = await api.insertJob(owner.id, { status: 'running' });
    const early = await api.call<{ code: string; status: number; job_status: string }>(`/pipeline/jobs/${job.id}/results`, { key: owner.key });
    assert.equal(early.status, 409);
    assert.equal(early.body.code, 'job_not_finished');
    assert.equal(early.body.status, 409, 'the problem status is the HTTP status');
    assert.equal(early.body.job_status, 'running');

    await api.ctx.repos.artifacts.put(job.id, 'final', [ranked(1), ranked(2)]);
    await api.ctx.repos.jobs.finish(job.id, 'completed');
    const done = await api.call<z.infer<typeof resultsResponseSchema>>(`/pipeline/jobs/${job.id}/results`, { key: owner.key });
    assert.equal(done.status, 200);
    resultsResponseSchema.parse(done.body);
    assert.deepEqual(done.body.results.map((r) => r.rank), [1, 2]);
    assert.equal(done.body.count, 2);
    assert.equal(done.body.match_quality, null, 'no match artifact: null');
    const match = { level: 'weak', reason: 'few creators match every filter' };
    await api.ctx.repos.artifacts.put(job.id, 'match', match);
    const withMatch = await api.call<z.infer<typeof resultsResponseSchema>>(`/pipeline/jobs/${job.id}/results`, { key: owner.key });
    assert.deepEqual(withMatch.body.match_quality, match);
    assert.deepEqual(withMatch.body.results.map((r) => r.rank), [1, 2]);

    const failed = await api.insertJob(owner.id, { status: 'failed' });
    assert.equal((await api.call(`/pipeline/jobs/${failed.id}/results`, { key: owner.key })).status, 409);
    assert.equal((await api.call(`/pipeline/jobs/${job.id}/results`, { key: stranger })).status, 404);
  });

  test('artifacts: the four public kinds once written; 404 before, for other kinds and for other keys', async () => {
    const job = await api.insertJob(owner.id, { status: 'running' });
    for (const kind of ['candidates', 'progressive', 'remaining', 'timing']) {
      const missing = await api.call(`/pipeline/jobs/${job.id}/artifacts/${kind}`, { key: owner.key });
      assert.equal(missing.status, 404, kind);
      await api.ctx.repos.artifacts.put(job.id, kind as 'timing', { kind, items: [1, 2, 3] });
      const res = await api.call<z.infer<typeof artifactResponseSchema>>(`/pipeline/jobs/${job.id}/artifacts/${kind}`, { key: owner.key });
      assert.equal(res.status, 200);
      artifactResponseSchema.parse(res.body);
      assert.deepEqual(res.body.data, { kind, items: [1, 2, 3] });
      assert.equal((await api.call(`/pipeline/jobs/${job.id}/artifacts/${kind}`, { key: stranger })).status, 404);
    }
    await api.ctx.repos.artifacts.put(job.id, 'final', [ranked(1)]);
    for (const kind of ['final', 'expansion', 'secrets', 'CANDIDATES']) {
      const res = await api.call<{ code: string }>(`/pipeline/jobs/${job.id}/artifacts/${kind}`, { key: owner.key });
      assert.equal(res.status, 404, kind);
    }
  });

  test('cancel: pending → cancelled at once with a cancelled event; running → cancel_requested; finished → 409', async () => {
    const pending = await api.insertJob(owner.id);
    const now = await api.call<z.infer<typeof jobViewSchema>>(`/pipeline/jobs/${pending.id}/cancel`, { key: owner.key, method: 'POST' });
    assert.equal(now.status, 200);
    assert.equal(now.body.status, 'cancelled');
    assert.ok(now.body.finished_at);
    const events = await api.ctx.jobEvents.list(pending.id, 0, 10);
    assert.deepEqual(events.map((e) => e.type), ['cancelled']);

    const running = await api.insertJob(owner.id, { status: 'running' });
    const asked = await api.call<z.infer<typeof jobViewSchema>>(`/pipeline/jobs/${running.id}/cancel`, { key: owner.key, method: 'POST' });
    assert.equal(asked.status, 202);
    assert.equal(asked.body.status, 'running');
    assert.equal(asked.body.cancel_requested, true);
    assert.equal(await api.ctx.repos.jobs.isCancelRequested(running.id), true);
    const twice = await api.call(`/pipeline/jobs/${running.id}/cancel`, { key: owner.key, method: 'POST' });
    assert.equal(twice.status, 202, 'asking again is harmless');

    for (const status of ['completed', 'failed'] as const) {
      const done = await api.insertJob(owner.id, { status });
      const res = await api.call<{ code: string }>(`/pipeline/jobs/${done.id}/cancel`, { key: owner.key, method: 'POST' });
      assert.equal(res.status, 409);
      assert.equal(res.body.code, 'job_finished');
    }
    assert.equal((await api.call(`/pipeline/jobs/${pending.id}/cancel`, { key: owner.key, method: 'POST' })).status, 409);

    const theirs = await api.insertJob(owner.id);
    assert.equal((await api.call(`/pipeline/jobs/${theirs.id}/cancel`, { key: stranger, method: 'POST' })).status, 404);
    assert.equal((await api.ctx.repos.jobs.get(theirs.id))?.status, 'pending', "a stranger's cancel changes nothing");
  });
});
