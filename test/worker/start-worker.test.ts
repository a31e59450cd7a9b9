import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ProviderError } from '../../src/errors.js';
import { PIPELINE_BULLMQ_JOB_NAME } from '../../src/queue/pipeline.queue.js';
import { startWorker } from '../../src/worker/start-worker.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { ScriptedLlm } from '../pipeline/doubles.js';
import { createJob, nicheCorpus, seedIndex } from '../pipeline/fixtures.js';
import { assertSeq, countTypes, waitFor, waitForStatus, withProviders } from './helpers.js';

describe('startWorker (BullMQ + Redis, in process)', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext({ WORKER_CONCURRENCY: '2', JOB_ATTEMPTS: '3', SWEEP_INTERVAL_MS: '60000' });
    await seedIndex(t.ctx, nicheCorpus(10));
  });
  after(async () => {
    await t.cleanup();
  });

  it('processes an enqueued job to completion and returns its outcome', async () => {
    const handle = startWorker(t.ctx);
    try {
      const jobId = await createJob(t.ctx, { brief: 'beauty creators for a lipstick launch', top_k: 5, candidate_limit: 20 });
      await t.ctx.queue.enqueue(jobId);
      const job = await waitForStatus(t.ctx, jobId, 'completed');
      assert.equal(job.meta.scored, 20);
      const bull = await waitFor('bull job to complete', async () => {
        const j = await t.ctx.queue.queue.getJob(jobId);
        return j?.finishedOn ? j : null;
      });
      assert.deepEqual(bull.returnvalue, { status: 'completed', results: 5 });
      const events = await t.ctx.jobEvents.list(jobId, 0, 1000);
      assertSeq(events);
      assert.equal(countTypes(events).completed, 1);
    } finally {
      await handle.close();
    }
  });

  it('drops malformed queue entries without failing', async () => {
    const handle = startWorker(t.ctx);
    try {
      const bullJob = await t.ctx.queue.queue.add(PIPELINE_BULLMQ_JOB_NAME, { jobId: 'not a job id' }, { jobId: 'malformed-1' });
      const done = await waitFor('malformed entry to finish', async () => {
        const j = await t.ctx.queue.queue.getJob(bullJob.id!);
        return j?.finishedOn ? j : null;
      });
      assert.deepEqual(done.returnvalue, { status: 'skipped', reason: 'malformed queue entry' });
      assert.equal(await done.getState(), 'completed');
    } finally {
      await handle.close();
    }
  });

  it('lets BullMQ retry a job after a transient fault, and the retry finishes it', async () => {
    let failures = 0;
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: () => {
        if (failures === 0) {
          failures++;
          throw new ProviderError('llm', 'score', 'HTTP 503 after 3 tries', { status: 503, retryable: true });
        }
      },
    });
    const handle = startWorker(withProviders(t.ctx, { llm }));
    try {
      const jobId = await createJob(t.ctx, { brief: 'food creators who bake bread', top_k: 5, candidate_limit: 12 });
      await t.ctx.queue.enqueue(jobId);
      const job = await waitForStatus(t.ctx, jobId, 'completed', 30_000);
      assert.equal(job.attempts, 2);
      const bull = await waitFor('bull job to complete', async () => {
        const j = await t.ctx.queue.queue.getJob(jobId);
        return j?.finishedOn ? j : null;
      });
      assert.equal(bull.attemptsMade, 2, 'a failed attempt, then the one that completed');
      const events = await t.ctx.jobEvents.list(jobId, 0, 1000);
      assertSeq(events);
      const counts = countTypes(events);
      assert.equal(counts.completed, 1);
      assert.equal(counts.failed, undefined);
      assert.ok(events.some((e) => e.type === 'warning' && e.data.code === 'retrying'));
    } finally {
      await handle.close();
    }
  });

  it('fails a job for good on a permanent fault, without retries', async () => {
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: () => {
        throw new ProviderError('llm', 'score', 'HTTP 400 model not found', { status: 400, retryable: false });
      },
    });
    const handle = startWorker(withProviders(t.ctx, { llm }));
    try {
      const jobId = await createJob(t.ctx, { brief: 'travel creators in the alps', top_k: 5, candidate_limit: 12 });
      await t.ctx.queue.enqueue(jobId);
      const job = await waitForStatus(t.ctx, jobId, 'failed');
      assert.equal(job.error!.code, 'provider_failed');
      assert.equal(job.attempts, 1);
      const bull = await waitFor('bull job to finish', async () => {
        const j = await t.ctx.queue.queue.getJob(jobId);
        return j?.finishedOn ? j : null;
      });
      assert.equal(await bull.getState(), 'completed', 'an expected outcome, not a BullMQ failure');
      assert.equal(bull.returnvalue.status, 'failed');
    } finally {
      await handle.close();
    }
  });

  it('marks a job failed when the queue gives up on it (stalled too often)', async () => {
    const jobId = await createJob(t.ctx, { brief: 'gaming creators who stream', top_k: 3, candidate_limit: 5 });
    await t.ctx.repos.jobs.markRunning(jobId);
    await t.ctx.queue.enqueue(jobId);
    // what BullMQ's stalled-job check records once a job has crashed its workers too often
    await t.ctx.redis.hset(`${t.redisPrefix}:pipeline:${jobId}`, 'defa', 'job stalled more than allowable limit');
    const handle = startWorker(t.ctx);
    try {
      const job = await waitForStatus(t.ctx, jobId, 'failed');
      assert.deepEqual(job.error, { code: 'gave_up', message: 'the job could not be completed: job stalled more than allowable limit' });
      const events = await t.ctx.jobEvents.list(jobId, 0, 100);
      assert.equal(events.at(-1)!.type, 'failed');
      assert.equal(events.at(-1)!.data.code, 'gave_up');
    } finally {
      await handle.close();
    }
  });

  it('on close, hands an active job back after the grace period, and another worker finishes it', async () => {
    let started!: () => void;
    const scoring = new Promise<void>((r) => (started = r));
    const slow = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: async (_call, _profiles, ctx) => {
        started();
        await new Promise((r) => setTimeout(r, 40));
        ctx.signal?.throwIfAborted();
      },
    });
    const config = { worker: { ...t.ctx.config.worker, shutdownGraceMs: 150 }, scoring: { batchSize: 1, concurrency: 1 } };
    const first = startWorker(withProviders(t.ctx, { llm: slow }, config));
    const jobId = await createJob(t.ctx, { brief: 'pet creators with dogs and cats', top_k: 5, candidate_limit: 60 });
    await t.ctx.queue.enqueue(jobId);
    await scoring;
    await first.close();

    const handedBack = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(handedBack.status, 'running', 'still the job of whichever worker takes it next');
    assert.ok(handedBack.meta.scored < 60, `scored ${handedBack.meta.scored}`);
    assert.equal(await t.ctx.queue.queue.getJobState(jobId), 'waiting');
    const bull = await t.ctx.queue.queue.getJob(jobId);
    assert.equal(bull!.attemptsMade, 0, 'handing back uses up no attempt');

    const second = startWorker(t.ctx);
    try {
      const job = await waitForStatus(t.ctx, jobId, 'completed');
      assert.equal(job.meta.scored, 60);
      const events = await t.ctx.jobEvents.list(jobId, 0, 1000);
      assertSeq(events);
      assert.equal(countTypes(events).completed, 1);
      assert.ok(events.some((e) => e.data.code === 'handed_back'));
      const scoredUnits = (await t.ctx.repos.calls.listForJob(jobId))
        .filter((c) => c.operation === 'score' && c.status === 'ok')
        .reduce((n, c) => n + (c.units.profiles ?? 0), 0);
      assert.equal(scoredUnits, 60, 'no profile scored twice');
    } finally {
      await second.close();
    }
  });
});
