import type { RequestHandler } from 'express';
import type { AppContext } from '../../app/context.js';
import { AppError } from '../../errors.js';
import { authenticateApiKey } from '../../services/api-keys.service.js';
import type { AuthFailure } from '../../services/api-keys.service.js';

const messages: Record<AuthFailure, string> = {
  missing: 'this endpoint requires an API key in the X-API-Key header',
  malformed: 'the X-API-Key header does not hold a valid API key',
  unknown: 'the API key is not recognised',
  revoked: 'the API key has been revoked',
};

/** last_used_at is coarse (a minute); remembering recent writes keeps it off the hot path entirely. */
const TOUCH_EVERY_MS = 60_000;

/**
 * Requires a valid, unrevoked `X-API-Key`. The admin key is not an API key: a request that only
 * carries `X-Admin-Key` is told so. The key's row is left on res.locals.apiKey.
 */
export function requireApiKey(ctx: Pick<AppContext, 'repos' | 'logger'>): RequestHandler {
  const touched = new Map<string, number>();
  return async (req, res, next) => {
    let result;
    try {
      result = await authenticateApiKey(ctx.repos.apiKeys, req.get('x-api-key'));
    } catch (err) {
      res.locals.log.error({ err }, 'API key lookup failed');
      throw new AppError('service_unavailable', 'cannot check API keys right now; retry shortly', { retryAfterSeconds: 5 });
    }
    if (!result.ok) {
      const adminOnly = result.reason === 'missing' && req.get('x-admin-key') !== undefined;
      throw new AppError(
        'unauthorized',
        adminOnly ? 'this endpoint takes an API key (X-API-Key); the admin key only opens /admin' : messages[result.reason],
        { headers: { 'WWW-Authenticate': 'ApiKey realm="influencer-scout", header="X-API-Key"' } },
      );
    }
    res.locals.apiKey = result.key;
    const now = Date.now();
    if ((touched.get(result.key.id) ?? 0) < now - TOUCH_EVERY_MS) {
      touched.set(result.key.id, now);
      if (touched.size > 10_000) touched.clear();
      ctx.repos.apiKeys.touch(result.key.id).catch((err: unknown) => ctx.logger.warn({ err }, 'could not update last_used_at'));
    }
    next();
  };
}
