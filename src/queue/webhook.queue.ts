import { Queue } from 'bullmq';
import type { JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AppContext } from '../app/app-context.js';
import { randomId } from '../domain/ids.js';
import { isTerminal } from '../domain/job.js';
import type { WebhookEvent } from '../repositories/webhook-deliveries.repository.js';
import type { z } from 'zod';
import type { webhookPayloadSchema } from './catalog.js';

export const WEBHOOK_QUEUE = 'webhooks';
/** The BullMQ job name of a webhook delivery (BullMQ's `job.name`); the wire value stays 'deliver' for queued jobs. */
export const WEBHOOK_BULLMQ_JOB_NAME = 'deliver';

/** The payload (its schema is in queue/catalog.ts). */
export type WebhookJobData = z.infer<typeof webhookPayloadSchema>;
// Compile-time: the catalog's event names are the deliveries table's.
type Assert<T extends true> = T;
export type _EventsAgree = Assert<[WebhookEvent, WebhookJobData['event']] extends [WebhookJobData['event'], WebhookEvent] ? true : false>;

/** The producer side of the webhooks queue: one per context (built in createContext, closed by ctx.close()). */
export class WebhookQueue {
  readonly queue: Queue<WebhookJobData>;

  /** `connection`: the context's command connection (fail-fast, no offline queue). */
  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue<WebhookJobData>(WEBHOOK_QUEUE, { connection, prefix });
    this.queue.on('error', () => {});
  }

  async add(data: WebhookJobData, options: JobsOptions): Promise<void> {
    await this.queue.add(WEBHOOK_BULLMQ_JOB_NAME, data, options);
  }

  /** Waits for the connection's start-up first: closing in the middle of it fails inside BullMQ. */
  async close(): Promise<void> {
    await this.queue.waitUntilReady().catch(() => {});
    await this.queue.close();
  }
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
export async function enqueueJobWebhook(ctx: Pick<AppContext, 'config' | 'webhookQueue' | 'repos'>, jobId: string): Promise<boolean> {
  const job = await ctx.repos.jobs.get(jobId);
  if (!job || !job.webhookUrl || !isTerminal(job.status)) return false;
  const data: WebhookJobData = {
    jobId,
    event: `job.${job.status as 'completed' | 'failed' | 'cancelled'}`,
    deliveryId: `whd_${randomId(12)}`,
  };
  await ctx.webhookQueue.add(data, webhookJobOptions(ctx, jobId));
  return true;
}
