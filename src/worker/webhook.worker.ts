import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import { bullConnection } from '../queue/connection.js';
import type { AppContext } from '../app/app-context.js';
import type { WebhookDeliveriesRepository } from '../repositories/webhook-deliveries.repository.js';
import type { DeliveryOutcome } from '../repositories/webhook-deliveries.repository.js';
import { jobView } from '../presenters/job-view.js';
import { DeliveryScheduler } from '../webhooks/delivery-scheduler.js';
import { postWebhook } from '../webhooks/webhook-sender.js';
import { signatureHeader, WEBHOOK_HEADERS } from '../webhooks/webhook-signature.js';
import { validateWebhookUrl, webhookUrlPolicy, WebhookUrlError } from '../webhooks/webhook-url.js';
import { WEBHOOK_QUEUE } from '../queue/webhook.queue.js';
import type { WebhookJobData } from '../queue/webhook.queue.js';

type WorkerDeps = Pick<AppContext, 'config' | 'logger' | 'pool' | 'repos'>;

/** The signed body: the job as GET /pipeline/jobs/:id shows it, wrapped in an event envelope. */
export function webhookPayload(data: WebhookJobData, job: Parameters<typeof jobView>[0]): string {
  return JSON.stringify({ id: data.deliveryId, type: data.event, created_at: new Date().toISOString(), data: jobView(job) });
}

async function deliver(
  ctx: WorkerDeps,
  deliveries: WebhookDeliveriesRepository,
  scheduler: DeliveryScheduler,
  bullJob: Job<WebhookJobData>,
  token: string | undefined,
): Promise<void> {
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

  const admission = scheduler.admit(job.apiKeyId, url.origin, attempt > 1);
  if (!admission.go) {
    // Put back without spending an attempt: the slot goes to someone else meanwhile.
    await bullJob.moveToDelayed(Date.now() + admission.waitMs, token);
    throw new DelayedError(admission.why);
  }
  try {
    await send(ctx, record, bullJob, job, key.webhookSecret, url, lastAttempt, admission.release);
  } finally {
    admission.release('failed');
  }
}

async function send(
  ctx: WorkerDeps,
  record: (outcome: DeliveryOutcome, extra?: { httpStatus?: number; durationMs?: number; error?: string }) => Promise<unknown>,
  bullJob: Job<WebhookJobData>,
  job: Parameters<typeof jobView>[0],
  secret: string,
  url: URL,
  lastAttempt: boolean,
  release: (outcome: 'ok' | 'failed') => void,
): Promise<void> {
  const { event, deliveryId } = bullJob.data;
  const body = webhookPayload(bullJob.data, job);
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  const headers = {
    'User-Agent': 'influencer-scout-webhooks/1',
    [WEBHOOK_HEADERS.event]: event,
    [WEBHOOK_HEADERS.delivery]: deliveryId,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signatureHeader(secret, timestamp, body),
  };
  let status: number;
  try {
    ({ status } = await postWebhook(url, body, headers, {
      timeoutMs: ctx.config.webhooks.timeoutMs,
      connectTimeoutMs: ctx.config.webhooks.connectTimeoutMs,
      allowPrivate: ctx.config.webhooks.allowPrivate,
    }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await record(lastAttempt ? 'gave_up' : 'failed', { durationMs: performance.now() - started, error: message });
    throw new Error(`webhook delivery failed: ${message}`);
  }
  const durationMs = performance.now() - started;
  if (status >= 200 && status < 300) {
    release('ok');
    await record('delivered', { httpStatus: status, durationMs });
    return;
  }
  await record(lastAttempt ? 'gave_up' : 'failed', { httpStatus: status, durationMs, error: `receiver answered ${status}` });
  throw new Error(`webhook receiver answered ${status}`);
}

/**
 * Delivers queued webhooks (runs in the worker process). Retries with exponential backoff are
 * BullMQ's; every attempt is recorded in webhook_deliveries. The scheduler keeps one tenant's slow
 * or dead receiver from taking every slot (see DeliveryScheduler). `close()` lets in-flight
 * deliveries finish.
 */
export function startWebhookWorker(ctx: WorkerDeps, opts: { concurrency?: number } = {}): { close(): Promise<void> } {
  const deliveries = ctx.repos.webhookDeliveries;
  const concurrency = opts.concurrency ?? ctx.config.webhooks.concurrency;
  const { perKeyConcurrency, breakerThreshold, breakerCooldownMs } = ctx.config.webhooks;
  const scheduler = new DeliveryScheduler({ concurrency, perKey: perKeyConcurrency, breakerThreshold, breakerCooldownMs });
  const worker = new Worker<WebhookJobData>(WEBHOOK_QUEUE, (job, token) => deliver(ctx, deliveries, scheduler, job, token), {
    connection: { ...bullConnection(ctx.config), maxRetriesPerRequest: null },
    prefix: ctx.config.redis.prefix,
    concurrency,
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
