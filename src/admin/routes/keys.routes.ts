import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/app-context.js';
import { parseOrThrow } from '../../api/problem.js';
import { AppError } from '../../errors.js';
import type { AdminStatsRepository } from '../../repositories/admin-stats.repository.js';
import { generateWebhookSecret } from '../../domain/api-key.js';
import { createApiKey, describeApiKey, revokeApiKey } from '../../services/api-keys.service.js';

const limit = z.number().int().min(1).max(1_000_000).nullable();
const createBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  rate_limit_per_min: limit.optional(),
  daily_job_quota: limit.optional(),
});
const limitsBody = z
  .strictObject({ rate_limit_per_min: limit.optional(), daily_job_quota: limit.optional() })
  .refine((b) => b.rate_limit_per_min !== undefined || b.daily_job_quota !== undefined, {
    message: 'give rate_limit_per_min and/or daily_job_quota (null = use the service default)',
  });
const keyIdParam = z.strictObject({ id: z.string().regex(/^key_[a-z0-9]{1,64}$/, 'must be a key id such as "key_abc123"') });

/**
 * API key management. The plaintext key exists only in the response to the create call; the
 * webhook secret is shown there too and in the response to a rotation, like the CLI shows it.
 */
export function keyRoutes(ctx: AppContext, stats: AdminStatsRepository): Router {
  const router = Router();
  const defaults = () => ({
    rate_limit_per_min: ctx.config.limits.ratePerMin,
    daily_job_quota: ctx.config.limits.dailyJobQuota,
  });

  router.get('/keys', async (_req, res) => {
    const [keys, activity] = await Promise.all([ctx.repos.apiKeys.list({ includeRevoked: true }), stats.keyActivity()]);
    const byKey = new Map(activity.map((a) => [a.apiKeyId, a]));
    res.json({
      defaults: defaults(),
      keys: keys.map((k) => {
        const a = byKey.get(k.id);
        return { ...describeApiKey(k), jobs_24h: a?.jobs24h ?? 0, jobs_30d: a?.jobs30d ?? 0, cost_30d_usd: a?.cost30dUsd ?? 0 };
      }),
    });
  });

  router.post('/keys', async (req, res) => {
    const body = parseOrThrow(createBody, req.body, 'body');
    const created = await createApiKey(ctx.repos.apiKeys, {
      name: body.name,
      rateLimitPerMin: body.rate_limit_per_min ?? null,
      dailyJobQuota: body.daily_job_quota ?? null,
    });
    res.locals.log?.info({ api_key_id: created.row.id }, 'api key created from the admin dashboard');
    res.status(201).json({ key: created.key, webhook_secret: created.row.webhookSecret, api_key: describeApiKey(created.row) });
  });

  router.patch('/keys/:id', async (req, res) => {
    const { id } = parseOrThrow(keyIdParam, req.params, 'params');
    const body = parseOrThrow(limitsBody, req.body, 'body');
    const patch: { rateLimitPerMin?: number | null; dailyJobQuota?: number | null } = {};
    if (body.rate_limit_per_min !== undefined) patch.rateLimitPerMin = body.rate_limit_per_min;
    if (body.daily_job_quota !== undefined) patch.dailyJobQuota = body.daily_job_quota;
    const row = await ctx.repos.apiKeys.updateLimits(id, patch);
    if (!row) throw new AppError('not_found', `api key ${id} not found`);
    res.json({ api_key: describeApiKey(row) });
  });

  router.post('/keys/:id/webhook-secret', async (req, res) => {
    const { id } = parseOrThrow(keyIdParam, req.params, 'params');
    const existing = await ctx.repos.apiKeys.get(id);
    if (!existing) throw new AppError('not_found', `api key ${id} not found`);
    const row = await ctx.repos.apiKeys.rotateWebhookSecret(id, generateWebhookSecret());
    if (!row) throw new AppError('conflict', `api key ${id} is revoked; its webhook secret cannot be rotated`);
    res.locals.log?.info({ api_key_id: id }, 'webhook secret rotated from the admin dashboard');
    res.json({ webhook_secret: row.webhookSecret, api_key: describeApiKey(row) });
  });

  router.post('/keys/:id/revoke', async (req, res) => {
    const { id } = parseOrThrow(keyIdParam, req.params, 'params');
    const existing = await ctx.repos.apiKeys.get(id);
    if (!existing) throw new AppError('not_found', `api key ${id} not found`);
    const { revokedNow: revoked, cancelled, stopping } = await revokeApiKey(ctx, id);
    const row = (await ctx.repos.apiKeys.get(id))!;
    if (revoked) res.locals.log?.info({ api_key_id: id, cancelled, stopping }, 'api key revoked from the admin dashboard');
    res.json({ api_key: describeApiKey(row), revoked_now: revoked });
  });

  return router;
}
