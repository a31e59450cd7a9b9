import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWorker } from '../../src/worker/start-worker.js';
import { startProcess } from '../helpers/processes.js';
import type { RunningProcess } from '../helpers/processes.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { createJob, nicheCorpus, seedIndex } from '../pipeline/fixtures.js';
import { assertSeq, countTypes, waitFor, waitForStatus } from './helpers.js';

const CANDIDATES = 120;

/**
 * The worker as it runs in production: `src/bin/worker.ts` in its own process, against the real
 * Postgres, Redis and on-disk LanceDB index the test process seeded. Scoring one profile per batch
 * makes a job long enough (hundreds of batches, each with its artifact writes and events) to
 * signal or kill the worker in the middle of it.
 */
describe('worker process (src/bin/worker.ts)', () => {
  let t: TestContext;
  const procs: RunningProcess[] = [];

  before(async () => {
    t = await createTestContext({ WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000', SWEEP_INTERVAL_MS: '60000' });
    await seedIndex(t.ctx, nicheCorpus(Math.ceil(CANDIDATES / 8) + 5));
  });
  after(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGKILL')));
    await t.cleanup();
  });

  async function spawnWorker(env: Record<string, string> = {}): Promise<RunningProcess> {
    const proc = startProcess('src/bin/worker.ts', {
      ...t.env,
      LOG_LEVEL: 'info',
      WORKER_CONCURRENCY: '1',
      SCORE_BATCH_SIZE: '1',
      SCORE_CONCURRENCY: '1',
      ...env,
    });
    procs.push(proc);
    await waitFor('the worker to be ready', async () => {
      if (proc.child.exitCode !== null) throw new Error(`worker exited early:\n${proc.output()}`);
      return proc.output().includes('"worker ready"');
    }, 30_000);
    return proc;
  }

  async function startLongJob(): Promise<string> {
    const jobId = await createJob(t.ctx, { brief: 'travel and food creators', top_k: 10, candidate_limit: CANDIDATES });
    await t.ctx.queue.enqueue(jobId);
    await waitFor('the job to be scoring', async () => ((await t.ctx.repos.jobs.get(jobId))?.meta.scored ?? 0) >= 5);
    return jobId;
  }

  const scoredUnits = async (jobId: string) =>
    (await t.ctx.repos.calls.listForJob(jobId, 10_000))
      .filter((c) => c.operation === 'score' && c.status === 'ok')
      .reduce((n, c) => n + (c.units.profiles ?? 0), 0);

  it('on SIGTERM finishes the active job, takes no new one, and exits 0', async () => {
    const proc = await spawnWorker();
    const active = await startLongJob();
    const next = await createJob(t.ctx, { brief: 'pet creators with dogs', top_k: 3, candidate_limit: 5 });
    await t.ctx.queue.enqueue(next);

    proc.child.kill('SIGTERM');
    assert.equal(await proc.exited, 0, proc.output());
    const job = (await t.ctx.repos.jobs.get(active))!;
    assert.equal(job.status, 'completed');
    assert.equal(job.meta.scored, CANDIDATES);
    assert.equal((await t.ctx.repos.jobs.get(next))!.status, 'pending', 'no new job after the signal');
    assert.equal(await t.ctx.queue.queue.getJobState(next), 'waiting');
    assert.match(proc.output(), /"worker stopped"/);
    await t.ctx.queue.queue.drain();
  });

  it('hands the active job back when the grace period ends, and another worker completes it', async () => {
    const proc = await spawnWorker({ WORKER_SHUTDOWN_GRACE_MS: '300' });
    const jobId = await startLongJob();
    proc.child.kill('SIGTERM');
    assert.equal(await proc.exited, 0, proc.output());

    const handedBack = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(handedBack.status, 'running');
    assert.ok(handedBack.meta.scored < CANDIDATES, 'stopped mid-way');
    assert.equal(await t.ctx.queue.queue.getJobState(jobId), 'waiting');

    const worker = startWorker(t.ctx);
    try {
      const job = await waitForStatus(t.ctx, jobId, 'completed', 30_000);
      assert.equal(job.meta.scored, CANDIDATES);
      const events = await t.ctx.jobEvents.list(jobId, 0, 1000);
      assertSeq(events);
      assert.equal(countTypes(events).completed, 1);
      assert.equal(await scoredUnits(jobId), CANDIDATES, 'no profile scored twice');
    } finally {
      await worker.close();
    }
  });

  it('recovers the job of a killed worker through the stalled-job check; it completes once', async () => {
    const proc = await spawnWorker();
    const jobId = await startLongJob();
    proc.child.kill('SIGKILL');
    await proc.exited;
    const before = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(before.status, 'running');

    const worker = startWorker(t.ctx);
    try {
      const job = await waitForStatus(t.ctx, jobId, 'completed', 30_000);
      assert.equal(job.attempts, 2);
      assert.equal(job.meta.scored, CANDIDATES);
      const events = await t.ctx.jobEvents.list(jobId, 0, 5000);
      assertSeq(events);
      const counts = countTypes(events);
      assert.equal(counts.completed, 1);
      assert.equal(counts.failed, undefined);
      assert.ok(events.some((e) => e.type === 'warning' && e.data.code === 'resumed'));
      // at most the one batch in flight when the worker died is scored again
      const units = await scoredUnits(jobId);
      assert.ok(units >= CANDIDATES && units <= CANDIDATES + 1, `scored units ${units}`);
      const final = await t.ctx.repos.artifacts.get<unknown[]>(jobId, 'final');
      assert.equal(final!.data.length, 10);
    } finally {
      await worker.close();
    }
  });

  it('exits at once on a second signal', async () => {
    const proc = await spawnWorker();
    await startLongJob();
    proc.child.kill('SIGTERM');
    await waitFor('shutdown to begin', async () => proc.output().includes('shutting down'));
    proc.child.kill('SIGTERM');
    assert.equal(await proc.exited, 1);
    assert.match(proc.output(), /second signal: exiting now/);
    assert.doesNotMatch(proc.output(), /"worker stopped"/);
  });
});
