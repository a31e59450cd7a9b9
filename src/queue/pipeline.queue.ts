import { Queue } from 'bullmq';
import type { ConnectionOptions, JobsOptions } from 'bullmq';
import type { z } from 'zod';
import type { pipelinePayloadSchema } from './catalog.js';
import { traceCarrier, traced } from '../tracing/tracing.js';

/** The pipeline queue: one job name, one payload shape, one retry policy (listed in queue/catalog.ts). */
export const PIPELINE_QUEUE = 'pipeline';
/**
 * The BullMQ job name every pipeline job is added under (BullMQ's `job.name`, not our job id). The
 * value stays 'scout', as it was when the constant was called PIPELINE_BULLMQ_JOB_NAME, so jobs already queued
 * by a running deployment stay valid across the upgrade.
 */
export const PIPELINE_BULLMQ_JOB_NAME = 'scout';

export type PipelineJobData = z.infer<typeof pipelinePayloadSchema>;

export function pipelineJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 2_000 },
    removeOnComplete: { age: 24 * 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  };
}

export class PipelineQueue {
  readonly queue: Queue<PipelineJobData>;

  constructor(
    connection: ConnectionOptions,
    prefix: string,
    private readonly attempts: number,
  ) {
    this.queue = new Queue<PipelineJobData>(PIPELINE_QUEUE, { connection, prefix });
    // Connection trouble reaches the caller through the failing call (a 503 on start); the event
    // must have a listener, or an EventEmitter 'error' (e.g. a close racing the connection's
    // start-up) is thrown as an uncaught exception.
    this.queue.on('error', () => {});
  }

  /** BullMQ job id = our job id, so enqueueing the same job twice is harmless. */
  async enqueue(jobId: string): Promise<void> {
    await traced('pipeline.enqueue', { 'scout.job_id': jobId }, async () => {
      const trace = traceCarrier();
      await this.queue.add(PIPELINE_BULLMQ_JOB_NAME, { jobId, ...(trace ? { trace } : {}) }, { ...pipelineJobOptions(this.attempts), jobId });
    });
  }

  /**
   * Several jobs in one Redis round trip (BullMQ addBulk: one MULTI of the same add script). For the
   * sweeper's re-enqueue of many lost jobs at once; a start enqueues its one job with `enqueue`.
   */
  async enqueueMany(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await traced('pipeline.enqueue', { 'scout.jobs': jobIds.length }, async () => {
      const trace = traceCarrier();
      await this.queue.addBulk(
        jobIds.map((jobId) => ({ name: PIPELINE_BULLMQ_JOB_NAME, data: { jobId, ...(trace ? { trace } : {}) }, opts: { ...pipelineJobOptions(this.attempts), jobId } })),
      );
    });
  }

  async isQueued(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
    return job !== undefined && job !== null;
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'paused', 'prioritized');
  }

  /** Waits for the connection's start-up first: closing in the middle of it fails inside BullMQ. */
  async close(): Promise<void> {
    await this.queue.waitUntilReady().catch(() => {});
    await this.queue.close();
  }
}
