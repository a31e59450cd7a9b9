import type { Request, RequestHandler } from 'express';
import type { AppContext } from '../../app/app-context.js';
import { AppError } from '../../errors.js';
import { authenticateApiKey } from '../../services/api-keys.service.js';
import type { AuthFailure, UnknownKeyMemo } from '../../services/api-keys.service.js';
import { VerifiedKeyCache } from './verified-key-cache.js';

const messages: Record<AuthFailure, string> = {
  missing: 'this endpoint requires an API key in the X-API-Key header',
  malformed: 'the X-API-Key header does not hold a valid API key',
  unknown: 'the API key is not recognised',
  revoked: 'the API key has been revoked',
};

/** last_used_at is coarse (a minute); remembering recent writes keeps it off the hot path entirely. */
const TOUCH_EVERY_MS = 60_000;
/** Unknown (well-formed, checksum-valid) keys are remembered this long, so a flood of them never reaches Postgres. */
const UNKNOWN_KEY_TTL_MS = 60_000;
const MEMORY_MAX_ENTRIES = 10_000;
/**
 * Verified keys are served from memory this long, while the revocation channel is up (a revoke
 * drops them at once on every process); a limits change made in the admin UI shows within it.
 */
export const VERIFIED_KEY_TTL_MS = 5_000;

/** A bounded map of entries that expire: oldest-first eviction, expired entries ignored. */
class ExpiringSet {
  private readonly until = new Map<string, number>();
  constructor(private readonly max: number) {}
  add(key: string, untilMs: number): void {
    this.until.delete(key);
    this.until.set(key, untilMs);
    if (this.until.size > this.max) this.until.delete(this.until.keys().next().value!);
  }
  /** ms left, or 0 when absent or expired */
  remaining(key: string, now = Date.now()): number {
    const t = this.until.get(key);
    if (t === undefined) return 0;
    if (t <= now) {
      this.until.delete(key);
      return 0;
    }
    return t - now;
  }
}

/**
 * Per-address token buckets for failed authentications, in this process's memory: counting a
 * failure must cost about what the rejected request costs, so no Redis round trip (each API
 * process allows the burst on its own; with N processes an address gets at most N times it).
 */
class FailureBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly capacity: number,
    private readonly perMin: number,
    private readonly max: number,
  ) {}
  /** Takes a token; returns 0 when there was one, else the ms until there is. */
  take(ip: string, now = Date.now()): number {
    const b = this.buckets.get(ip) ?? { tokens: this.capacity, at: now };
    this.buckets.delete(ip);
    b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) * this.perMin) / 60_000);
    b.at = now;
    this.buckets.set(ip, b);
    if (this.buckets.size > this.max) this.buckets.delete(this.buckets.keys().next().value!);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 60_000) / this.perMin);
  }
}

const unauthorized = (reason: AuthFailure, req: Request) => {
  const adminOnly = reason === 'missing' && req.get('x-admin-key') !== undefined;
  return new AppError('unauthorized', adminOnly ? 'this endpoint takes an API key (X-API-Key); the admin key only opens /admin' : messages[reason], {
    headers: { 'WWW-Authenticate': 'ApiKey realm="influencer-scout", header="X-API-Key"' },
  });
};

const tooManyFailures = (retryAfterMs: number) =>
  new AppError('rate_limited', 'too many failed API-key authentications from this address; retry after the Retry-After delay', {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });

/**
 * Requires a valid, unrevoked `X-API-Key`. The admin key is not an API key: a request that only
 * carries `X-Admin-Key` is told so. The key's row is left on res.locals.apiKey.
 *
 * Failed authentications are limited per client IP (AUTH_FAIL_PER_MIN / AUTH_FAIL_BURST, a token
 * bucket in this process's memory). Once an address is over its budget it is refused before any
 * Redis or Postgres work until the bucket has a token again; and unknown keys are remembered for a
 * minute, so a flood of bad keys costs about what a 404 costs and does not queue other tenants'
 * requests behind Postgres lookups. Valid keys are cached for VERIFIED_KEY_TTL_MS (see VerifiedKeyCache).
 */
export function requireApiKey(ctx: Pick<AppContext, 'repos' | 'logger' | 'config' | 'jobEvents'>): RequestHandler {
  const touched = new Map<string, number>();
  const unknownKeys = new ExpiringSet(MEMORY_MAX_ENTRIES);
  const blockedIps = new ExpiringSet(MEMORY_MAX_ENTRIES);
  const failures = new FailureBuckets(ctx.config.limits.authFailBurst, ctx.config.limits.authFailPerMin, MEMORY_MAX_ENTRIES);
  const verifiedKeys = new VerifiedKeyCache(ctx.jobEvents, VERIFIED_KEY_TTL_MS, MEMORY_MAX_ENTRIES);

  const unknownKeyMemo: UnknownKeyMemo = {
    has: (hash) => unknownKeys.remaining(hash) > 0,
    add: (hash) => unknownKeys.add(hash, Date.now() + UNKNOWN_KEY_TTL_MS),
  };

  return async (req, res, next) => {
    const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const blockedMs = blockedIps.remaining(ip);
    if (blockedMs > 0) throw tooManyFailures(blockedMs);

    let result;
    try {
      result = await authenticateApiKey(ctx.repos.apiKeys, req.get('x-api-key'), unknownKeyMemo, verifiedKeys);
    } catch (err) {
      res.locals.log.error({ err }, 'API key lookup failed');
      throw new AppError('service_unavailable', 'cannot check API keys right now; retry shortly', { retryAfterSeconds: 5 });
    }
    if (!result.ok) {
      const waitMs = failures.take(ip);
      if (waitMs > 0) {
        blockedIps.add(ip, Date.now() + waitMs);
        throw tooManyFailures(waitMs);
      }
      throw unauthorized(result.reason, req);
    }
    res.locals.apiKey = result.key;
    const now = Date.now();
    if ((touched.get(result.key.id) ?? 0) < now - TOUCH_EVERY_MS) {
      touched.set(result.key.id, now);
      if (touched.size > MEMORY_MAX_ENTRIES) touched.clear();
      ctx.repos.apiKeys.touch(result.key.id).catch((err: unknown) => ctx.logger.warn({ err }, 'could not update last_used_at'));
    }
    next();
  };
}
