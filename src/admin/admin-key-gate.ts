import type { Request } from 'express';
import { AppError } from '../errors.js';
import { adminKeyMatches, clientIp } from './admin-auth.js';
import type { LoginLimiter } from '../stores/login-limiter.store.js';

/**
 * The one path for every admin-key check (POST /admin/login, X-Admin-Key on /admin/api, /metrics,
 * the detailed /health): count the attempt in Redis first, then compare. An address over the limit
 * is refused for the rest of the window even with the right key (ADMIN_LOGIN_WINDOW_SECONDS, 15
 * minutes by default): the short lockout is the price of never comparing a guess past the limit.
 * Dashboard sessions already signed in are not affected. The composition root builds one per context
 * (`ctx.stores.adminKeyGate`), so every path shares its counters.
 */
export class AdminKeyGate {
  constructor(
    readonly limiter: LoginLimiter,
    private readonly adminKey: string | undefined,
  ) {}

  /** Throws rate_limited (over the limit), service_unavailable (Redis down) or unauthorized (wrong key). */
  async verify(req: Request, presented: string | undefined, opts: { onSuccess?: 'refund' | 'reset' } = {}): Promise<void> {
    const ip = clientIp(req);
    let decision;
    try {
      decision = await this.limiter.hit(ip);
    } catch {
      throw new AppError('service_unavailable', 'admin sign-in is unavailable: Redis cannot be reached', { retryAfterSeconds: 5 });
    }
    if (!decision.allowed) {
      throw new AppError('rate_limited', 'too many admin-key attempts from this address', { retryAfterSeconds: decision.retryAfterSeconds });
    }
    if (!adminKeyMatches(presented, this.adminKey)) throw new AppError('unauthorized', 'wrong admin key');
    const settle = opts.onSuccess === 'reset' ? this.limiter.reset(ip) : this.limiter.refund(ip);
    await settle.catch(() => {});
  }
}
