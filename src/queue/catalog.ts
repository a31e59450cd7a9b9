import { z } from 'zod';
import { PIPELINE_BULLMQ_JOB_NAME, PIPELINE_QUEUE, pipelineJobOptions } from './pipeline.queue.js';
import { WEBHOOK_BULLMQ_JOB_NAME, WEBHOOK_QUEUE, webhookJobOptions } from './webhook.queue.js';

/**
 * Every BullMQ queue of the service: its name, the one job name on it, the payload (as a zod
 * schema: the producers' types derive from it) and where its job options come from. The pipeline
 * queue is produced by the API and consumed by worker/pipeline.processor.ts; the webhooks queue is
 * produced by the API (pending→cancelled) and the worker (every other terminal status) and consumed
 * by worker/webhook.worker.ts.
 */
export const pipelinePayloadSchema = z.object({
  jobId: z.string(),
  /** W3C trace context of the request that enqueued it (only when tracing is on) */
  trace: z.record(z.string(), z.string()).optional(),
});
export const webhookPayloadSchema = z.object({
  jobId: z.string(),
  event: z.enum(['job.completed', 'job.failed', 'job.cancelled']),
  /** stable across retries (the `Scout-Delivery` header), so receivers can de-duplicate */
  deliveryId: z.string(),
});

export const queueCatalog = {
  pipeline: { name: PIPELINE_QUEUE, job: PIPELINE_BULLMQ_JOB_NAME, payload: pipelinePayloadSchema, options: pipelineJobOptions },
  webhooks: { name: WEBHOOK_QUEUE, job: WEBHOOK_BULLMQ_JOB_NAME, payload: webhookPayloadSchema, options: webhookJobOptions },
} as const;
