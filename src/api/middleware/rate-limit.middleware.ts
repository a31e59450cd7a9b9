import type { RequestHandler } from 'express';
import type { AppContext } from '../../app/app-context.js';
import { AppError } from '../../errors.js';
import { effectiveLimits } from '../../services/api-keys.service.js';
import { rateLimitHeaders } from '../../stores/rate-limiter.store.js';
import type { BucketSpec } from '../../stores/rate-limiter.store.js';

export type BucketName = 'default' | 'start';

/**
 * Per-key token bucket: `default` for every keyed route, the stricter `start` for creating jobs.
 * If Redis cannot be reached the request is let through (logged): limiting protects the service,
 * and the daily quota in Postgres still bounds job creation.
 */
export function rateLimit(ctx: Pick<AppContext, 'stores' | 'config'>, bucket: BucketName): RequestHandler {
  const limiter = ctx.stores.rateLimiter;
  return async (_req, res, next) => {
    const key = res.locals.apiKey;
    if (!key) throw new Error('rateLimit must run after requireApiKey');
    const limits = effectiveLimits(key, ctx.config.limits);
    const spec: BucketSpec =
      bucket === 'start'
        ? { name: 'start', capacity: limits.startBurst, refillPerMin: limits.startRatePerMin }
        : { name: 'default', capacity: limits.burst, refillPerMin: limits.ratePerMin };
    let result;
    try {
      result = await limiter.take(key.id, spec);
    } catch (err) {
      res.locals.log.warn({ err: (err as Error).message }, 'rate limiter unavailable; request let through');
      next();
      return;
    }
    const headers = rateLimitHeaders(result);
    if (!result.allowed) {
      throw new AppError('rate_limited', `rate limit exceeded for this API key (${spec.name} bucket); retry after the Retry-After delay`, {
        headers,
      });
    }
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    next();
  };
}
