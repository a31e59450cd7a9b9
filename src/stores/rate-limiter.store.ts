import type { Redis } from 'ioredis';

/**
 * Token bucket in one Lua script, so check-and-take is atomic across every API process: under any
 * concurrency a full bucket admits exactly `capacity` requests. The clock is Redis's own TIME, so
 * processes with skewed clocks share one notion of "now". Tokens are kept as a float in a hash.
 */
const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
  ts = now
end
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((cost - tokens) * 1000 / rate)
end
local full = math.ceil((capacity - tokens) * 1000 / rate)
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.0f', ts))
redis.call('PEXPIRE', KEYS[1], full + 1000)
return { allowed, string.format('%.6f', tokens), retry, full }
`;

export interface BucketSpec {
  /** policy name in the RateLimit headers, e.g. "default" or "start" */
  name: string;
  capacity: number;
  refillPerMin: number;
}

export interface BucketResult {
  spec: BucketSpec;
  allowed: boolean;
  remaining: number;
  /** until one token is back (only when refused) */
  retryAfterMs: number;
  /** until the bucket is full again */
  resetMs: number;
}

interface TokenBucketCommands {
  scoutTokenBucket(key: string, capacity: number, ratePerSec: number, cost: number): Promise<[number, string, number, number]>;
}

export class RateLimiter {
  private readonly redis: Redis & TokenBucketCommands;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('scoutTokenBucket' in redis)) redis.defineCommand('scoutTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
    this.redis = redis as Redis & TokenBucketCommands;
  }

  async take(subject: string, spec: BucketSpec, cost = 1): Promise<BucketResult> {
    const [allowed, tokens, retry, full] = await this.redis.scoutTokenBucket(
      `${this.prefix}:rl:${spec.name}:${subject}`,
      spec.capacity,
      spec.refillPerMin / 60,
      cost,
    );
    return {
      spec,
      allowed: allowed === 1,
      remaining: Math.floor(Number(tokens)),
      retryAfterMs: Number(retry),
      resetMs: Number(full),
    };
  }
}

/**
 * IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): the policy says the bucket
 * holds `q` requests and refills completely in `w` seconds; `r` is what is left, `t` the seconds
 * until it is full again.
 */
export function rateLimitHeaders(result: BucketResult): Record<string, string> {
  const { spec } = result;
  const window = Math.ceil((spec.capacity * 60) / spec.refillPerMin);
  const headers: Record<string, string> = {
    'RateLimit-Policy': `"${spec.name}";q=${spec.capacity};w=${window}`,
    RateLimit: `"${spec.name}";r=${result.remaining};t=${Math.ceil(result.resetMs / 1000)}`,
  };
  if (!result.allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
  return headers;
}
