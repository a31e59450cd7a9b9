import { z } from 'zod';
import { PIPELINE_JOB, PIPELINE_QUEUE, pipelineJobOptions } from './pipeline.queue.js';
import { WEBHOOK_JOB, WEBHOOK_QUEUE, webhookJobOptions } from './webhook.queue.js';

/**
 * Every BullMQ queue of the service: its name, the one job name on it, the payload (as a zod
 * schema: the producers' types derive from it) and where its job options come from. The pipeline
 * queue is produced by the API and consumed by worker/pipeline.processor.ts; the webhooks queue is
 * produced by the API (pending→cancelled) and the worker (every other terminal status) and consumed
 * by worker/webhook.worker.ts.
 */
export const pipelinePayloadSchema = z.object({ jobId: z.string() });
export const webhookPayloadSchema = z.object({
  jobId: z.string(),
  event: z.enum(['job.completed', 'job.failed', 'job.cancelled']),
  /** stable across retries (the `Scout-Delivery` header), so receivers can de-duplicate */
  deliveryId: z.string(),
});

export const queueCatalog = {
  pipeline: { name: PIPELINE_QUEUE, job: PIPELINE_JOB, payload: pipelinePayloadSchema, options: pipelineJobOptions },
  webhooks: { name: WEBHOOK_QUEUE, job: WEBHOOK_JOB, payload: webhookPayloadSchema, options: webhookJobOptions },
} as const;
