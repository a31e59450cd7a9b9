import type { AppContext } from '../app/app-context.js';
import { AppError } from '../errors.js';
import type { AdminJobsRepository } from '../repositories/admin-jobs.repository.js';

export type RetryOutcome = 'requeued' | 'already_queued';

/**
 * Runs a failed job again. The row goes failed → pending first (so a worker that picks it up will
 * run it), then the queue entry is revived: BullMQ's own retry when the entry still exists in a
 * finished state, a fresh enqueue when it has been removed. A pending job is only made sure to be
 * queued, so pressing "retry" twice is harmless. Running, completed and cancelled jobs are refused.
 */
export async function retryJob(ctx: AppContext, adminJobs: AdminJobsRepository, jobId: string): Promise<RetryOutcome> {
  const job = await ctx.repos.jobs.get(jobId);
  if (!job) throw new AppError('not_found', `job ${jobId} not found`);
  if (job.status === 'failed') {
    if (!(await adminJobs.resetFailed(jobId))) throw new AppError('conflict', `job ${jobId} changed state; reload and try again`);
    await ctx.jobEvents.emit(jobId, 'warning', { code: 'admin_retry', message: 're-queued by an operator after failing' });
  } else if (job.status !== 'pending') {
    throw new AppError('conflict', `only failed jobs can be retried; job ${jobId} is ${job.status}`);
  }
  try {
    const entry = await ctx.queue.queue.getJob(jobId);
    if (entry) {
      const state = await entry.getState();
      if (state === 'failed' || state === 'completed') {
        await entry.retry(state);
        return 'requeued';
      }
      if (state !== 'unknown') return 'already_queued';
    }
    await ctx.queue.enqueue(jobId);
    return 'requeued';
  } catch (err) {
    // The row is pending now: retrying again completes this (and the worker's sweeper re-enqueues
    // pending jobs that have no queue entry at all).
    throw new AppError('service_unavailable', `the job is pending again but could not be queued now: ${(err as Error).message}`, {
      retryAfterSeconds: 5,
    });
  }
}
