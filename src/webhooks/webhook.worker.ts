import { UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { bullConnection } from '../app/context.js';
import type { AppContext } from '../app/context.js';
import { WebhookDeliveriesRepository } from '../repositories/webhook-deliveries.repository.js';
import type { DeliveryOutcome } from '../repositories/webhook-deliveries.repository.js';
import { jobView } from '../services/job-view.js';
import { postWebhook } from './webhook-sender.js';
import { signatureHeader, WEBHOOK_HEADERS } from './webhook-signature.js';
import { validateWebhookUrl, WebhookUrlError } from './webhook-url.js';
import { WEBHOOK_QUEUE } from './webhook.queue.js';
import type { WebhookJobData } from './webhook.queue.js';

type WorkerDeps = Pick<AppContext, 'config' | 'logger' | 'pool' | 'repos'>;

export function webhookUrlPolicy(config: AppContext['config']) {
  return { requireHttps: config.env !== 'development' && config.env !== 'test', allowPrivate: config.webhooks.allowPrivate };
}

/** The signed body: the job as GET /pipeline/jobs/:id shows it, wrapped in an event envelope. */
export function webhookPayload(data: WebhookJobData, job: Parameters<typeof jobView>[0]): string {
  return JSON.stringify({ id: data.deliveryId, type: data.event, created_at: new Date().toISOString(), data: jobView(job) });
}

async function deliver(ctx: WorkerDeps, deliveries: WebhookDeliveriesRepository, bullJob: Job<WebhookJobData>): Promise<void> {
  const { jobId, event, deliveryId } = bullJob.data;
  const attempt = bullJob.attemptsMade + 1;
  const lastAttempt = attempt >= (bullJob.opts.attempts ?? 1);
  const job = await ctx.repos.jobs.get(jobId);
  if (!job?.webhookUrl) return; // deleted by retention, or never asked for one
  const record = (outcome: DeliveryOutcome, extra: { httpStatus?: number; durationMs?: number; error?: string } = {}) =>
    deliveries.record({ jobId, event, deliveryId, url: job.webhookUrl!, attempt, outcome, ...extra });

  const key = await ctx.repos.apiKeys.get(job.apiKeyId);
  if (!key || key.revokedAt) {
    await record('skipped', { error: 'the API key that created the job was revoked' });
    return;
  }
  let url: URL;
  try {
    url = await validateWebhookUrl(job.webhookUrl, webhookUrlPolicy(ctx.config));
  } catch (err) {
    if (!(err instanceof WebhookUrlError)) throw err;
    await record('gave_up', { error: `webhook_url ${err.message}` });
    throw new UnrecoverableError(err.message);
  }

  const body = webhookPayload(bullJob.data, job);
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  const headers = {
    'User-Agent': 'influencer-scout-webhooks/1',
    [WEBHOOK_HEADERS.event]: event,
    [WEBHOOK_HEADERS.delivery]: deliveryId,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signatureHeader(key.webhookSecret, timestamp, body),
  };
  let status: number;
  try {
    ({ status } = await postWebhook(url, body, headers, {
      timeoutMs: ctx.config.webhooks.timeoutMs,
      allowPrivate: ctx.config.webhooks.allowPrivate,
    }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await record(lastAttempt ? 'gave_up' : 'failed', { durationMs: performance.now() - started, error: message });
    throw new Error(`webhook delivery failed: ${message}`);
  }
  const durationMs = performance.now() - started;
  if (status >= 200 && status < 300) {
    await record('delivered', { httpStatus: status, durationMs });
    return;
  }
  await record(lastAttempt ? 'gave_up' : 'failed', { httpStatus: status, durationMs, error: `receiver answered ${status}` });
  throw new Error(`webhook receiver answered ${status}`);
}

/**
 * Delivers queued webhooks (runs in the worker process). Retries with exponential backoff are
 * BullMQ's; every attempt is recorded in webhook_deliveries. `close()` lets in-flight deliveries finish.
 */
export function startWebhookWorker(ctx: WorkerDeps, opts: { concurrency?: number } = {}): { close(): Promise<void> } {
  const deliveries = new WebhookDeliveriesRepository(ctx.pool);
  const worker = new Worker<WebhookJobData>(WEBHOOK_QUEUE, (job) => deliver(ctx, deliveries, job), {
    connection: { ...bullConnection(ctx.config), maxRetriesPerRequest: null },
    prefix: ctx.config.redis.prefix,
    concurrency: opts.concurrency ?? 8,
  });
  worker.on('error', (err) => ctx.logger.warn({ err: err.message }, 'webhook worker error'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
    ctx.logger[final ? 'warn' : 'info'](
      { job_id: job.data.jobId, delivery_id: job.data.deliveryId, attempt: job.attemptsMade, err: err.message },
      final ? 'webhook delivery gave up' : 'webhook delivery failed; will retry',
    );
  });
  return {
    async close() {
      await worker.close();
    },
  };
}
