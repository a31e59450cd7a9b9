import type { Redis } from 'ioredis';

export interface LimitDecision {
  allowed: boolean;
  /** seconds until the window ends (when not allowed) */
  retryAfterSeconds: number;
}

/**
 * Fixed-window attempt counters in Redis for every admin-key check (sign-in, X-Admin-Key, /metrics,
 * detailed /health): one per client IP and one for all addresses together, so rotating addresses
 * (a botnet, a spoofed X-Forwarded-For) does not multiply the guesses either. `hit` counts an
 * attempt atomically *before* the key is compared, so a burst of parallel guesses cannot slip past
 * the limit; a correct key gives its attempt back (`refund`), a sign-in clears the IP's counter.
 */
const HIT_LUA = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then return { 1, redis.call('PTTL', KEYS[1]) } end
if tonumber(ARGV[3]) > 0 then
  local g = redis.call('INCR', KEYS[2])
  if g == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
  if g > tonumber(ARGV[3]) then return { 1, redis.call('PTTL', KEYS[2]) } end
end
return { 0, redis.call('PTTL', KEYS[1]) }
`;

/** Gives an attempt back without ever creating a counter (a DECR on an expired key would leave -1 forever). */
const REFUND_LUA = `
for _, k in ipairs(KEYS) do
  if redis.call('EXISTS', k) == 1 and tonumber(redis.call('GET', k)) > 0 then redis.call('DECR', k) end
end
return 0
`;

export class LoginLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxAttempts: number,
    private readonly windowSeconds: number,
    /** attempts from all addresses together per window; 0 = no global limit */
    private readonly globalMaxAttempts = 0,
  ) {}

  private key(ip: string): string {
    return `${this.prefix}:admin-login:${ip}`;
  }

  private get globalKey(): string {
    return `${this.prefix}:admin-login-global`;
  }

  /**
   * Counts one attempt and says whether it may proceed. The global counter only counts attempts
   * the IP's own limit let through, so one address cannot use up everyone's budget.
   */
  async hit(ip: string): Promise<LimitDecision> {
    const [blocked, ttlMs] = (await this.redis.eval(HIT_LUA, 2, this.key(ip), this.globalKey, this.windowSeconds, this.maxAttempts, this.globalMaxAttempts)) as [
      number,
      number,
    ];
    return this.decide(Number(ttlMs), Number(blocked) === 1);
  }

  /** Gives back an attempt that turned out to carry the right key (scripts using X-Admin-Key are not throttled). */
  async refund(ip: string): Promise<void> {
    await this.redis.eval(REFUND_LUA, this.globalMaxAttempts > 0 ? 2 : 1, this.key(ip), ...(this.globalMaxAttempts > 0 ? [this.globalKey] : []));
  }

  /** Whether an IP is currently locked out, without counting an attempt. */
  async check(ip: string): Promise<LimitDecision> {
    const key = this.key(ip);
    const [count, ttlMs] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    return this.decide(ttlMs, Number(count ?? 0) >= this.maxAttempts);
  }

  /** After a sign-in: the IP starts afresh; its successful attempt is given back to the global count. */
  async reset(ip: string): Promise<void> {
    await this.redis.del(this.key(ip));
    if (this.globalMaxAttempts > 0) await this.redis.eval(REFUND_LUA, 1, this.globalKey);
  }

  private decide(ttlMs: number, blocked: boolean): LimitDecision {
    const retryAfterSeconds = ttlMs > 0 ? Math.ceil(ttlMs / 1000) : this.windowSeconds;
    return { allowed: !blocked, retryAfterSeconds: blocked ? retryAfterSeconds : 0 };
  }
}
