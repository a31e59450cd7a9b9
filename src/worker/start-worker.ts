import { Worker } from 'bullmq';
import { bullConnection } from '../queue/connection.js';
import type { AppContext } from '../app/app-context.js';
import { giveUpJob } from '../pipeline/run-pipeline.js';
import type { PipelineOutcome, TerminalStatus } from '../pipeline/run-pipeline.js';
import { PIPELINE_QUEUE } from '../queue/pipeline.queue.js';
import type { PipelineJobData } from '../queue/pipeline.queue.js';
import { createPipelineProcessor } from './pipeline.processor.js';
import { startSweeper } from './sweeper.js';
import { startRetentionTimer } from './retention.js';
import { startWorkerMetrics } from '../metrics/metrics.js';
import { enqueueJobWebhook } from '../queue/webhook.queue.js';
import { startWebhookWorker } from '../worker/webhook.worker.js';

/** A background service of the worker process: timers and secondary queues, closed on shutdown. */
interface Background {
  close(): Promise<void>;
}

export interface WorkerHandle {
  worker: Worker<PipelineJobData, PipelineOutcome>;
  sweeper: ReturnType<typeof startSweeper>;
  /**
   * Graceful stop: takes no new jobs, lets active ones finish for WORKER_SHUTDOWN_GRACE_MS, then
   * hands the rest back to the queue at their next safe point; closes the background services.
   * Does not close the context.
   */
  close(): Promise<void>;
}

export interface StartWorkerOptions {
  /** sweeper: minimum age of a pending job before it counts as lost (default 5 s) */
  sweepMinAgeMs?: number;
}

/** A job recovered from a dead worker may stall once more; the third time it is failed. */
const MAX_STALLED_COUNT = 2;

/**
 * Starts the worker side of the service in this process: the BullMQ pipeline worker, the sweeper
 * that re-enqueues lost pending jobs, and the other background services.
 */
export function startWorker(ctx: AppContext, opts: StartWorkerOptions = {}): WorkerHandle {
  const { config, logger } = ctx;

  // Runs after a job reached completed/failed/cancelled (webhook announcements go here).
  const finishedHooks: ((jobId: string, status: TerminalStatus) => Promise<unknown>)[] = [(jobId) => enqueueJobWebhook(ctx, jobId)];
  const onFinished = async (jobId: string, status: TerminalStatus) => {
    for (const hook of finishedHooks) await hook(jobId, status);
  };

  const worker = new Worker<PipelineJobData, PipelineOutcome>(PIPELINE_QUEUE, createPipelineProcessor(ctx, { onFinished }), {
    connection: { ...bullConnection(config), maxRetriesPerRequest: null },
    prefix: config.redis.prefix,
    concurrency: config.worker.concurrency,
    lockDuration: config.worker.lockDurationMs,
    stalledInterval: config.worker.stalledIntervalMs,
    maxStalledCount: MAX_STALLED_COUNT,
  });
  worker.on('error', (err) => logger.warn({ err: err.message }, 'pipeline worker error'));
  worker.on('stalled', (jobId) => logger.warn({ job_id: jobId }, 'job stalled (its worker died or froze); it runs again'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    logger[final ? 'error' : 'warn']({ job_id: job.data.jobId, attempt: job.attemptsMade, err: err.message }, final ? 'job gave up' : 'job will be retried');
    // The queue is done with it, so the job must not stay `running` for ever.
    if (final && typeof job.data.jobId === 'string') {
      giveUpJob(ctx, job.data.jobId, err.message, { onFinished }).catch((e: unknown) => logger.error({ err: e, job_id: job.data.jobId }, 'could not mark the job failed'));
    }
  });

  const sweeper = startSweeper(ctx, { intervalMs: config.worker.sweepIntervalMs, minAgeMs: opts.sweepMinAgeMs });
  // Other background services of the worker process start here.
  const background: Background[] = [sweeper, startWebhookWorker(ctx), startRetentionTimer(ctx), startWorkerMetrics(ctx)];

  let closing: Promise<void> | null = null;
  return {
    worker,
    sweeper,
    close() {
      closing ??= (async () => {
        const grace = setTimeout(() => {
          logger.warn({ graceMs: config.worker.shutdownGraceMs }, 'shutdown grace period over; handing active jobs back');
          worker.cancelAllJobs('worker shutting down');
        }, config.worker.shutdownGraceMs);
        try {
          await worker.close();
        } finally {
          clearTimeout(grace);
        }
        await Promise.all(background.map((b) => b.close().catch((err: unknown) => logger.warn({ err }, 'background service did not close cleanly'))));
      })();
      return closing;
    },
  };
}
