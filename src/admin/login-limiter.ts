import type { Redis } from 'ioredis';

export interface LimitDecision {
  allowed: boolean;
  /** seconds until the window ends (when not allowed) */
  retryAfterSeconds: number;
}

/**
 * Fixed-window attempt counter per client IP in Redis, for admin sign-in. `hit` counts an attempt
 * atomically before the key is checked, so a burst of parallel guesses cannot slip past the limit;
 * a successful sign-in clears the counter.
 */
export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxAttempts: number,
    private readonly windowSeconds: number,
  ) {}

  private key(ip: string): string {
    return `${this.prefix}:admin-login:${ip}`;
  }

  /** Counts one attempt and says whether it may proceed. */
  async hit(ip: string): Promise<LimitDecision> {
    const key = this.key(ip);
    const results = await this.redis.multi().incr(key).expire(key, this.windowSeconds, 'NX').pttl(key).exec();
    if (!results || results.some(([err]) => err)) throw new Error('login limiter: redis transaction failed');
    const count = Number(results[0]![1]);
    const ttlMs = Number(results[2]![1]);
    return this.decide(ttlMs, count > this.maxAttempts);
  }

  /** Whether an IP is currently locked out, without counting an attempt. */
  async check(ip: string): Promise<LimitDecision> {
    const key = this.key(ip);
    const [count, ttlMs] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    return this.decide(ttlMs, Number(count ?? 0) >= this.maxAttempts);
  }

  async reset(ip: string): Promise<void> {
    await this.redis.del(this.key(ip));
  }

  private decide(ttlMs: number, blocked: boolean): LimitDecision {
    const retryAfterSeconds = ttlMs > 0 ? Math.ceil(ttlMs / 1000) : this.windowSeconds;
    return { allowed: !blocked, retryAfterSeconds: blocked ? retryAfterSeconds : 0 };
  }
}
