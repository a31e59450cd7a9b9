import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { waitUntil } from '../helpers/wait.js';

/** A job's terminal status and its terminal event are one write: no crash can leave one without the other. */
describe('job events: finishing a job', () => {
  let api: TestApi;
  let keyId: string;

  before(async () => {
    api = await startTestApi();
    ({ row: { id: keyId } } = await api.newKey());
  });
  after(async () => {
    await api.cleanup();
  });

  const row = async (id: string) => {
    const { rows } = await api.ctx.pool.query<{ status: string; progress: number; seq: number; meta: Record<string, unknown>; finished: boolean }>(
      `select status, progress, last_event_seq as seq, meta, finished_at is not null as finished from pipeline_jobs where id = $1`,
      [id],
    );
    return rows[0]!;
  };

  test('moves a running job to its status and appends the terminal event with the next sequence number, announced to subscribers', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    await api.emit(job.id, 'progress', { progress: 0.5 });
    const heard: number[] = [];
    const unsubscribe = await api.ctx.jobEvents.subscribe(job.id, (seq) => heard.push(seq));
    try {
      assert.equal(await api.ctx.jobEvents.finish(job.id, 'completed', { meta: { enriched: 7 } }, { results: 3, duration_ms: 12 }), true);
      const after = await row(job.id);
      assert.deepEqual([after.status, after.progress, after.seq, after.finished, after.meta.enriched], ['completed', 1, 2, true, 7]);
      const events = await api.ctx.jobEvents.list(job.id, 0, 10);
      assert.deepEqual(
        events.map((e) => [e.seq, e.type]),
        [
          [1, 'progress'],
          [2, 'completed'],
        ],
      );
      assert.deepEqual(events[1]!.data, { results: 3, duration_ms: 12 });
      await waitUntil(() => heard.includes(2));
    } finally {
      unsubscribe();
    }
  });

  test('a job that already finished is left alone: false, no status change, no event', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    assert.equal(await api.ctx.jobEvents.finish(job.id, 'cancelled', {}, { stage: 'search' }), true);
    assert.equal(await api.ctx.jobEvents.finish(job.id, 'failed', { error: { code: 'x', message: 'late' } }, {}), false);
    assert.equal((await row(job.id)).status, 'cancelled');
    assert.deepEqual(
      (await api.ctx.jobEvents.list(job.id, 0, 10)).map((e) => e.type),
      ['cancelled'],
    );
  });

  test('racing finishes: exactly one wins, and the one terminal event matches the status', async () => {
    const job = await api.insertJob(keyId, { status: 'running' });
    const outcomes = await Promise.all(
      (['completed', 'failed', 'cancelled'] as const).map((s) => api.ctx.jobEvents.finish(job.id, s, s === 'failed' ? { error: { code: 'x', message: 'y' } } : {}, {})),
    );
    assert.equal(outcomes.filter(Boolean).length, 1);
    const events = await api.ctx.jobEvents.list(job.id, 0, 10);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.type, (await row(job.id)).status);
  });
});
