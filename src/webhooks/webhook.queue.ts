import { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import type { AppContext } from '../app/context.js';
import { randomId } from '../domain/ids.js';
import { isTerminal } from '../domain/job.js';
import type { WebhookEvent } from '../repositories/webhook-deliveries.repository.js';

export const WEBHOOK_QUEUE = 'webhooks';
export const WEBHOOK_JOB = 'deliver';

export interface WebhookJobData {
  jobId: string;
  event: WebhookEvent;
  /** stable across retries (the `Scout-Delivery` header), so receivers can de-duplicate */
  deliveryId: string;
}

type QueueDeps = Pick<AppContext, 'config' | 'redis'>;

// One producer per context, on the context's command connection (fail-fast, no offline queue).
const queues = new WeakMap<QueueDeps, Queue<WebhookJobData>>();

export function webhookQueue(ctx: QueueDeps): Queue<WebhookJobData> {
  let q = queues.get(ctx);
  if (!q) {
    q = new Queue<WebhookJobData>(WEBHOOK_QUEUE, { connection: ctx.redis, prefix: ctx.config.redis.prefix });
    q.on('error', () => {});
    queues.set(ctx, q);
  }
  return q;
}

export function webhookJobOptions(ctx: Pick<AppContext, 'config'>, jobId: string): JobsOptions {
  const { attempts, backoffMs } = ctx.config.webhooks;
  return {
    // One announcement per job: a job reaches a terminal status once, so a second call is a no-op.
    jobId: `wh_${jobId}`,
    attempts,
    backoff: { type: 'exponential', delay: backoffMs, jitter: 0.2 },
    removeOnComplete: { age: 7 * 24 * 3600, count: 50_000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 50_000 },
  };
}

/**
 * Queues the webhook for a job that has reached a terminal status, if it asked for one. Call it
 * right after the job's terminal status is written (worker: completed/failed/cancelled; API:
 * pending→cancelled). Returns false when there is nothing to send.
 */
export async function enqueueJobWebhook(ctx: Pick<AppContext, 'config' | 'redis' | 'repos'>, jobId: string): Promise<boolean> {
  const job = await ctx.repos.jobs.get(jobId);
  if (!job || !job.webhookUrl || !isTerminal(job.status)) return false;
  const data: WebhookJobData = {
    jobId,
    event: `job.${job.status as 'completed' | 'failed' | 'cancelled'}`,
    deliveryId: `whd_${randomId(12)}`,
  };
  await webhookQueue(ctx).add(WEBHOOK_JOB, data, webhookJobOptions(ctx, jobId));
  return true;
}
