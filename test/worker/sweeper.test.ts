import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UnrecoverableError, Worker } from 'bullmq';
import pg from 'pg';
import { bullConnection } from '../../src/app/context.js';
import { PIPELINE_QUEUE } from '../../src/queue/pipeline.queue.js';
import { startWorker } from '../../src/worker/start-worker.js';
import { startSweeper, sweepPendingJobs, SWEEPER_LOCK_ID } from '../../src/worker/sweeper.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { createJob, nicheCorpus, seedIndex } from '../pipeline/fixtures.js';
import { waitFor, waitForStatus } from './helpers.js';
import { waitUntil } from '../helpers/wait.js';

describe('pending-job sweeper', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext({ SWEEP_INTERVAL_MS: '200' });
    await seedIndex(t.ctx, nicheCorpus(4));
  });
  after(async () => {
    await t.cleanup();
  });

  /** A job row that was accepted but never reached the queue, `ageMs` old. */
  async function lostJob(ageMs: number): Promise<string> {
    const id = await createJob(t.ctx, { brief: 'fitness creators for a gym', top_k: 3, candidate_limit: 5 });
    await t.ctx.pool.query(`update pipeline_jobs set created_at = now() - make_interval(secs => $2::double precision / 1000) where id = $1`, [id, ageMs]);
    return id;
  }

  it('enqueues old pending jobs that are not in the queue, once', async () => {
    const lost = await lostJob(60_000);
    const fresh = await lostJob(0);
    const queued = await lostJob(60_000);
    await t.ctx.queue.enqueue(queued);

    const first = await sweepPendingJobs(t.ctx, { minAgeMs: 5_000 });
    assert.equal(first.ran, true);
    assert.ok(first.checked >= 2);
    assert.equal(first.enqueued, 1);
    assert.equal(await t.ctx.queue.queue.getJobState(lost), 'waiting');
    assert.equal(await t.ctx.queue.queue.getJobState(fresh), 'unknown', 'a young job may still be on its way in');

    const second = await sweepPendingJobs(t.ctx, { minAgeMs: 5_000 });
    assert.equal(second.enqueued, 0, 'a job already queued is left alone');
    const waiting = await t.ctx.queue.queue.getWaiting();
    assert.equal(waiting.filter((j) => j.id === lost).length, 1);
    await t.ctx.queue.queue.drain();
  });

  it('enqueues many lost jobs of one sweep together, each once, with the same options as a start', async () => {
    // earlier tests' leftovers (a young job, a drained one) must not be counted here
    await t.ctx.pool.query(`update pipeline_jobs set status = 'cancelled' where status = 'pending'`);
    const lost = await Promise.all(Array.from({ length: 12 }, () => lostJob(60_000)));
    const result = await sweepPendingJobs(t.ctx, { minAgeMs: 5_000 });
    assert.equal(result.enqueued, 12);
    for (const id of lost) {
      assert.equal(await t.ctx.queue.queue.getJobState(id), 'waiting', id);
      const job = await t.ctx.queue.queue.getJob(id);
      assert.equal(job!.data.jobId, id);
      assert.equal(job!.opts.attempts, t.ctx.config.worker.attempts);
    }
    // enqueueing them again (a second sweeper, a start racing the sweep) adds nothing
    await t.ctx.queue.enqueueMany(lost);
    const waiting = await t.ctx.queue.queue.getWaiting();
    for (const id of lost) assert.equal(waiting.filter((j) => j.id === id).length, 1, id);
    await t.ctx.queue.queue.drain();
    await t.ctx.pool.query(`update pipeline_jobs set status = 'cancelled' where id = any($1)`, [lost]);
  });

  it('retries a pending job whose queue entry failed before it ran', async () => {
    const id = await lostJob(60_000);
    await t.ctx.queue.enqueue(id);
    // what a worker that could not reach Postgres on its last attempt leaves behind
    const broken = new Worker(PIPELINE_QUEUE, async () => {
      throw new UnrecoverableError('connect ECONNREFUSED 127.0.0.1:5432');
    }, { connection: { ...bullConnection(t.ctx.config), maxRetriesPerRequest: null }, prefix: t.ctx.config.redis.prefix });
    try {
      await waitFor('the queue entry to fail', async () => (await t.ctx.queue.queue.getJobState(id)) === 'failed');
    } finally {
      await broken.close();
    }
    assert.equal((await t.ctx.repos.jobs.get(id))!.status, 'pending');

    const result = await sweepPendingJobs(t.ctx, { minAgeMs: 5_000 });
    assert.equal(result.retried, 1);
    assert.equal(await t.ctx.queue.queue.getJobState(id), 'waiting');
    await t.ctx.queue.queue.drain();
  });

  it('steps aside while another process holds the sweep lock', async () => {
    const other = new pg.Client({ connectionString: t.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query('select pg_advisory_lock($1)', [SWEEPER_LOCK_ID]);
      const result = await sweepPendingJobs(t.ctx, { minAgeMs: 5_000 });
      assert.deepEqual(result, { ran: false, checked: 0, enqueued: 0, retried: 0 });
    } finally {
      await other.end();
    }
  });

  it('runs on a timer inside the worker, so a lost job still completes', async () => {
    const id = await lostJob(60_000);
    const handle = startWorker(t.ctx, { sweepMinAgeMs: 5_000 });
    try {
      const job = await waitForStatus(t.ctx, id, 'completed', 20_000);
      assert.equal(job.attempts, 1);
    } finally {
      await handle.close();
    }
  });

  it('keeps sweeping after a failed sweep and stops cleanly', async () => {
    let calls = 0;
    const flaky = {
      ...t.ctx,
      pool: {
        connect: async () => {
          calls++;
          if (calls === 1) throw new Error('connection refused');
          return t.ctx.pool.connect();
        },
      } as unknown as typeof t.ctx.pool,
    };
    const sweeper = startSweeper(flaky, { intervalMs: 50, firstDelayMs: 0 });
    try {
      await waitUntil(() => calls >= 3, 2_000);
    } finally {
      await sweeper.close();
    }
    const after = calls;
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(calls, after, 'no sweep after close');
  });
});
