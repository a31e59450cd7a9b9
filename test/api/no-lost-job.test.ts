import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { bullConnection } from '../../src/app/context.js';
import { PipelineQueue } from '../../src/queue/pipeline.queue.js';
import { sweepPendingJobs } from '../../src/worker/sweeper.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { freePort } from '../helpers/processes.js';
import { waitUntil } from '../helpers/wait.js';

/** A redis-server of our own on a spare port, so killing it never touches the machine's shared Redis. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('redis-server did not start');
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('no accepted job is lost when the queue Redis dies between insert and enqueue', () => {
  let api: TestApi;
  let port: number;
  let redis: ChildProcess;
  let queue: PipelineQueue;
  before(async () => {
    api = await startTestApi({ ENQUEUE_TIMEOUT_MS: '1500' });
    port = await freePort();
    redis = await startRedis(port);
    // Only the pipeline queue lives on the dedicated Redis; limits and idempotency stay on the shared one.
    // Same connection options as production (BullMQ defaults: offline queue, retries), so the enqueue
    // hangs rather than fails fast and the API's enqueue timeout is what answers.
    queue = new PipelineQueue({ ...bullConnection(api.config), port }, api.redisPrefix, 3);
    queue.queue.on('error', () => {});
    await api.ctx.queue.close();
    api.ctx.queue = queue;
  });
  after(async () => {
    await queue.close().catch(() => {});
    await stop(redis);
    await api.cleanup();
  });

  test('acceptance: 503 + Retry-After naming the job, the row stays pending, and it is queued once Redis is back', async () => {
    const { key, row } = await api.newKey();
    const brief = { brief: 'home interior creators for a Scandinavian furniture brand' };
    const healthy = await api.call<{ job_id: string }>('/pipeline/start', { key, body: brief });
    assert.equal(healthy.status, 202);
    assert.ok(await queue.isQueued(healthy.body.job_id));

    await stop(redis);
    const headers = { 'Idempotency-Key': 'while-redis-is-down' };
    const down = await api.call<{ code: string; job_id: string; detail: string }>('/pipeline/start', { key, body: brief, headers });
    assert.equal(down.status, 503, down.text);
    assert.equal(down.body.code, 'service_unavailable');
    assert.ok(Number(down.headers.get('retry-after')) >= 1);
    const jobId = down.body.job_id;
    assert.match(jobId, /^job_/);
    const stored = await api.ctx.repos.jobs.getForKey(jobId, row.id);
    assert.equal(stored?.status, 'pending', 'the accepted job is in Postgres');

    // Redis comes back empty (no persistence): both jobs are gone from the queue, neither from Postgres.
    redis = await startRedis(port);
    await waitUntil(async () => (await queue.queue.client).status === 'ready');
    assert.equal(await queue.isQueued(healthy.body.job_id), false);

    // The client's retry with the same key gets the same job and queues it...
    const retry = await api.call<{ job_id: string }>('/pipeline/start', { key, body: brief, headers });
    assert.equal(retry.status, 202);
    assert.equal(retry.body.job_id, jobId);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.ok(await queue.isQueued(jobId));

    // ...and the worker's sweeper queues every other pending job that is not in the queue.
    const swept = await sweepPendingJobs({ ...api.ctx, queue }, { minAgeMs: 0 });
    assert.ok(swept.ran);
    assert.ok(swept.enqueued >= 1);
    assert.ok(await queue.isQueued(healthy.body.job_id));
    const { rows } = await api.ctx.pool.query<{ n: number }>('select count(*)::int as n from pipeline_jobs where api_key_id = $1', [row.id]);
    assert.equal(rows[0]!.n, 2, 'no duplicate job was created along the way');
  });
});
