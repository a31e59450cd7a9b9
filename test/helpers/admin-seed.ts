import { UnrecoverableError, Worker } from 'bullmq';
import { bullConnection } from '../../src/app/context.js';
import type { AppContext } from '../../src/app/context.js';
import { PIPELINE_QUEUE } from '../../src/queue/pipeline.queue.js';
import { newJobId } from '../../src/domain/ids.js';
import { emptyMeta, toJobParams, startJobSchema } from '../../src/domain/job.js';
import type { JobStatus } from '../../src/domain/job.js';
import type { ApiKeyRow } from '../../src/repositories/api-keys.repository.js';
import { createApiKey } from '../../src/services/api-keys.service.js';
import { waitFor } from './wait.js';

/**
 * Seeds dashboard data through the real repositories (the same writes the API and worker make),
 * then moves timestamps where a test needs the past — the only thing done with direct SQL.
 */
export async function seedKey(ctx: AppContext, name: string): Promise<{ key: string; row: ApiKeyRow }> {
  return createApiKey(ctx.repos.apiKeys, { name });
}

export interface SeedJob {
  apiKeyId: string;
  brief?: string;
  status: JobStatus;
  /** how long ago the job was created */
  ageMs?: number;
  /** run time for jobs that started */
  runMs?: number;
  /** ledger rows to record against the job */
  calls?: { service: string; operation: string; durationMs: number; costUsd: number; status?: 'ok' | 'error'; units?: Record<string, number> }[];
  events?: boolean;
  artifacts?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export async function seedJob(ctx: AppContext, s: SeedJob): Promise<string> {
  const id = newJobId();
  const params = toJobParams(startJobSchema.parse({ brief: s.brief ?? 'vegan protein bar launch for US gym-goers', top_k: 10 }));
  await ctx.repos.jobs.insert({ id, apiKeyId: s.apiKeyId, params, meta: emptyMeta() });
  if (s.status !== 'pending') await ctx.repos.jobs.markRunning(id);
  if (s.events) {
    await ctx.repos.events.append(id, 'stage_started', { stage: 'expand' });
    await ctx.repos.events.append(id, 'stage_completed', { stage: 'expand', duration_ms: 12 });
    await ctx.repos.events.append(id, 'progress', { progress: 0.5, note: s.brief ?? '' });
  }
  for (const c of s.calls ?? []) {
    await ctx.repos.calls.insert({
      jobId: id,
      service: c.service,
      operation: c.operation,
      status: c.status ?? 'ok',
      durationMs: c.durationMs,
      units: c.units ?? {},
      costUsd: c.costUsd,
      error: c.status === 'error' ? 'upstream said no' : null,
    });
  }
  for (const [kind, data] of Object.entries(s.artifacts ?? {})) {
    await ctx.repos.artifacts.put(id, kind as never, data);
  }
  if (s.status === 'completed' || s.status === 'failed' || s.status === 'cancelled') {
    await ctx.repos.jobs.finish(id, s.status, s.error ? { error: s.error } : {});
    if (s.events) await ctx.repos.events.append(id, s.status, s.error ? { ...s.error } : {});
  }
  const ageMs = s.ageMs ?? 0;
  const runMs = s.runMs ?? 1000;
  await ctx.pool.query(
    `update pipeline_jobs set created_at = now() - make_interval(secs => $2::double precision / 1000),
       updated_at = now() - make_interval(secs => $2::double precision / 1000),
       started_at = case when started_at is null then null else now() - make_interval(secs => $2::double precision / 1000) end,
       finished_at = case when finished_at is null then null
         else now() - make_interval(secs => $2::double precision / 1000) + make_interval(secs => $3::double precision / 1000) end
     where id = $1`,
    [id, ageMs, runMs],
  );
  await ctx.pool.query(
    `update external_calls set created_at = now() - make_interval(secs => $2::double precision / 1000) where job_id = $1`,
    [id, ageMs],
  );
  return id;
}

/** Puts a real failed entry for `jobId` into the pipeline queue: a BullMQ worker that throws takes it. */
export async function failQueueEntry(ctx: AppContext, jobId: string, reason = 'the worker gave up'): Promise<void> {
  await ctx.queue.enqueue(jobId);
  const worker = new Worker(
    PIPELINE_QUEUE,
    async (job) => {
      if (job.id !== jobId) throw new Error('unexpected job');
      throw new UnrecoverableError(reason);
    },
    { connection: { ...bullConnection(ctx.config), maxRetriesPerRequest: null }, prefix: ctx.config.redis.prefix },
  );
  try {
    await waitFor(() => ctx.queue.queue.getJobState(jobId), (state) => state === 'failed', { what: `queue entry ${jobId} to fail` });
  } finally {
    await worker.close();
  }
}
