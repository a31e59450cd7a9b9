import type { AppContext } from '../app/app-context.js';
import { withTimeout } from '../domain/timeout.js';
import { AppError } from '../errors.js';
import { newJobId } from '../domain/ids.js';
import { emptyMeta, isTerminal, toJobParams } from '../domain/job.js';
import type { StartJobRequest } from '../domain/job.js';
import type { ApiKeyRow } from '../repositories/api-keys.repository.js';
import { JobsRepository } from '../repositories/jobs.repository.js';
import type { JobRow } from '../repositories/jobs.repository.js';
import { validateWebhookUrl, webhookUrlPolicy, WebhookUrlError } from '../webhooks/webhook-url.js';
import { enqueueJobWebhook } from '../queue/webhook.queue.js';
import { effectiveLimits } from './api-keys.service.js';
import { requestHash } from '../stores/idempotency.store.js';
import { assertSeedsIndexed } from './lookalike.service.js';
import type { IdempotencyState } from '../stores/idempotency.store.js';

type Ctx = Pick<AppContext, 'config' | 'logger' | 'pool' | 'redis' | 'repos' | 'queue' | 'jobEvents' | 'stores' | 'webhookQueue'>;

export interface StartOutcome {
  job: JobRow;
  /** true when an earlier request with the same Idempotency-Key created the job */
  replayed: boolean;
}

function secondsToUtcMidnight(now = new Date()): number {
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

function reusedKey(): AppError {
  return new AppError(
    'idempotency_key_reused',
    'this Idempotency-Key was already used with a different request body; use a new key for a new request',
    { errors: [{ field: 'Idempotency-Key', message: 'already used with a different request body' }] },
  );
}

/**
 * Accepts a job: the row is committed before anything touches the queue, so an accepted job is never
 * lost. If the enqueue then fails, the client gets a 503 naming the job and the worker's sweeper
 * queues it later (BullMQ job id = our job id, so a second enqueue is harmless).
 */
/**
 * What a start request must pass beyond its schema, checked before it takes a start token: the
 * webhook URL is one we may call, and every seed of a lookalike job is in the index (422 naming
 * those that are not).
 */
export async function checkStartRequest(ctx: Pick<AppContext, 'config' | 'providers'>, body: StartJobRequest): Promise<void> {
  if (body.webhook_url !== undefined) {
    try {
      await validateWebhookUrl(body.webhook_url, webhookUrlPolicy(ctx.config));
    } catch (err) {
      if (!(err instanceof WebhookUrlError)) throw err;
      throw new AppError('validation_failed', `invalid body: webhook_url: ${err.message}`, {
        errors: [{ field: 'webhook_url', message: err.message }],
      });
    }
  }
  if (body.similar_to) await assertSeedsIndexed(ctx.providers.index, body.similar_to, 'similar_to');
}

/** Accepts a job whose request passed checkStartRequest. */
export async function startJob(
  ctx: Ctx,
  apiKey: ApiKeyRow,
  body: StartJobRequest,
  idempotencyKey: string | undefined,
): Promise<StartOutcome> {
  const hash = requestHash(body);
  const store = ctx.stores.idempotency;
  let claim: IdempotencyState | null = null;
  if (idempotencyKey !== undefined) {
    try {
      claim = await store.begin(apiKey.id, idempotencyKey, hash);
    } catch (err) {
      // Redis is down: the database's unique index still makes the key idempotent.
      ctx.logger.warn({ err: (err as Error).message }, 'idempotency store unavailable; relying on the database');
    }
    if (claim && claim.state !== 'acquired') {
      if (claim.requestHash !== hash) throw reusedKey();
      if (claim.state === 'in_progress') {
        throw new AppError('idempotency_in_progress', 'a request with this Idempotency-Key is still being processed; retry shortly', {
          retryAfterSeconds: 1,
        });
      }
      const job = await ctx.repos.jobs.getForKey(claim.jobId, apiKey.id);
      if (job) return replay(ctx, job);
    }
  }

  let created: StartOutcome;
  try {
    created = await insertJob(ctx, apiKey, body, idempotencyKey, hash);
  } catch (err) {
    if (claim?.state === 'acquired') await store.release(apiKey.id, idempotencyKey!, claim.token).catch(() => {});
    throw err;
  }
  // The key's record and the enqueue are independent (BullMQ has its own connection): both are in
  // flight at once, and the answer waits for both, so a retry after it replays.
  const recorded =
    idempotencyKey === undefined
      ? Promise.resolve()
      : store.complete(apiKey.id, idempotencyKey, hash, created.job.id).catch((err: unknown) => {
          ctx.logger.warn({ err: (err as Error).message }, 'could not record the idempotency key in Redis');
        });
  try {
    if (created.replayed) {
      await recorded;
      return await replay(ctx, created.job);
    }
    try {
      await withTimeout(ctx.queue.enqueue(created.job.id), ctx.config.http.enqueueTimeoutMs, 'enqueue');
    } catch (err) {
      ctx.logger.error({ err: (err as Error).message, job_id: created.job.id }, 'job accepted but not queued; the sweeper will queue it');
      throw new AppError(
        'service_unavailable',
        `job ${created.job.id} was accepted but could not be queued right now; it will be queued automatically. ` +
          'Poll its status, or retry with the same Idempotency-Key to get the same job.',
        { retryAfterSeconds: 5, members: { job_id: created.job.id } },
      );
    }
    return created;
  } finally {
    await recorded;
  }
}

async function insertJob(
  ctx: Ctx,
  apiKey: ApiKeyRow,
  body: StartJobRequest,
  idempotencyKey: string | undefined,
  hash: string,
): Promise<StartOutcome> {
  const quota = effectiveLimits(apiKey, ctx.config.limits).dailyJobQuota;
  const write = await JobsRepository.createForStart(
    ctx.pool,
    { id: newJobId(), apiKeyId: apiKey.id, params: toJobParams(body), meta: emptyMeta(), idempotencyKey: idempotencyKey ?? null, requestHash: hash },
    quota,
  );
  if (write.kind === 'quota') {
    throw new AppError('quota_exceeded', `the daily quota of ${quota} jobs for this API key is used up; it resets at 00:00 UTC`, {
      retryAfterSeconds: secondsToUtcMidnight(),
    });
  }
  if (write.kind === 'existing') {
    if (write.job.requestHash !== hash) throw reusedKey();
    return { job: write.job, replayed: true };
  }
  return { job: write.job, replayed: false };
}

async function replay(ctx: Ctx, job: JobRow): Promise<StartOutcome> {
  // A replay is also a retry after a 503: make sure a still-pending job is queued (harmless if it is).
  if (job.status === 'pending') {
    await withTimeout(ctx.queue.enqueue(job.id), ctx.config.http.enqueueTimeoutMs, 'enqueue').catch((err: unknown) => {
      ctx.logger.warn({ err: (err as Error).message, job_id: job.id }, 'replayed job still not queued; the sweeper will queue it');
    });
  }
  return { job, replayed: true };
}

/**
 * Cancels as the owner asks: a pending job is cancelled at once (with its `cancelled` event and
 * webhook), a running one gets cancel_requested and the worker stops at its next safe point.
 */
export async function cancelJob(ctx: Ctx, jobId: string, apiKeyId: string): Promise<JobRow> {
  const result = await ctx.repos.jobs.requestCancel(jobId, apiKeyId);
  if (!result) throw new AppError('not_found', `job ${jobId} not found`);
  const { job, cancelledNow } = result;
  if (cancelledNow) {
    await ctx.jobEvents.emit(job.id, 'cancelled', { reason: 'cancelled before it started' });
    await enqueueJobWebhook(ctx, job.id).catch((err: unknown) => {
      ctx.logger.warn({ err: (err as Error).message, job_id: job.id }, 'could not queue the cancellation webhook');
    });
    return job;
  }
  if (isTerminal(job.status)) {
    throw new AppError('job_finished', `job ${jobId} already ${job.status}; there is nothing to cancel`);
  }
  return job;
}
