import { WaitingError } from 'bullmq';
import type { Job } from 'bullmq';
import type { PipelineJobData } from '../queue/pipeline.queue.js';
import { runPipeline } from '../pipeline/run-pipeline.js';
import type { PipelineOutcome, RunOptions } from '../pipeline/run-pipeline.js';
import type { PipelineDeps } from '../pipeline/stage-run.js';
import { JOB_ID_PATTERN } from '../domain/ids.js';
import { contextFrom, traced } from '../tracing/tracing.js';


/**
 * The BullMQ processor of the pipeline queue. Expected outcomes (completed, failed, cancelled,
 * skipped) are return values; only faults throw, so BullMQ retries exactly those. A run handed
 * back on shutdown goes back to the waiting list without using up an attempt.
 */
export function createPipelineProcessor(deps: PipelineDeps, opts: Pick<RunOptions, 'onFinished'> = {}) {
  return async (job: Job<PipelineJobData>, token?: string, signal?: AbortSignal): Promise<PipelineOutcome> => {
    const jobId = job.data?.jobId;
    if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) {
      deps.logger.warn({ bull_job: job.id }, 'pipeline queue entry without a valid job id; dropped');
      return { status: 'skipped', reason: 'malformed queue entry' };
    }
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    // The run continues the trace of the request that enqueued it (a link across the queue).
    const outcome = await traced(
      'pipeline.run',
      { 'scout.job_id': jobId, 'scout.attempt': job.attemptsMade + 1 },
      async (span) => {
        const out = await runPipeline(deps, jobId, { signal, finalAttempt, onFinished: opts.onFinished });
        span?.setAttribute('scout.outcome', out.status);
        return out;
      },
      { parent: contextFrom(job.data.trace) },
    );
    if (outcome.status === 'handed_back') {
      if (!token) throw new Error(`cannot hand back job ${jobId} without its lock token`);
      await job.moveToWait(token);
      throw new WaitingError();
    }
    return outcome;
  };
}
