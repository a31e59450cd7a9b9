import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../../../config.js';
import { ProviderError } from '../../../errors.js';
import { sleep } from '../../http/abort.js';
import type { GateLease, RequestGate } from '../../http/http-client.js';

/**
 * Reserves a request slot. Sliding window of 429s in a sorted set (score = time), requests in flight
 * in another (score = lease expiry). Time is Redis's own clock, so every process agrees on it.
 * Returns {0, ms until a 429 leaves the window} when the window is full, {1, 0} when the remaining
 * budget is taken by requests in flight (wait), {2, 0} when the slot is granted.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local seen = redis.call('ZCARD', KEYS[1])
if seen >= max then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now, seen}
end
if seen + redis.call('ZCARD', KEYS[2]) >= max then
  return {1, 0, seen}
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {2, 0, seen}
`;

/** Frees the slot; a 429 answer is added to the window under the same id. */
const RELEASE = `
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[2] == '1' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1
`;

const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {0, 0, redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]) + 1, '+inf')}
`;

export interface RateGuardOptions {
  /** Redis key prefix (config.redis.prefix) */
  prefix: string;
  /** 429s allowed in the window; BrightData blocks an IP at 25 in 5 minutes */
  max429: number;
  windowMs?: number;
  /** how long a slot stays reserved if its holder dies without releasing it */
  leaseMs: number;
  /** how long `acquire` may wait for a slot held by requests in flight */
  maxWaitMs: number;
}

/**
 * The hard guard against BrightData's IP block, shared by every process through Redis. A request
 * may only be sent while (429s in the last 5 minutes) + (requests in flight anywhere) is below the
 * limit, so even if every request in flight comes back 429 the count cannot pass the limit. Once it
 * is reached, nothing is sent until the oldest 429 leaves the window: callers fail fast and the
 * pipeline falls back to index data. Redis unreachable means closed too (never risk the IP).
 */
export class RedisRateGuard implements RequestGate {
  readonly key429: string;
  readonly keyInFlight: string;
  private readonly windowMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RateGuardOptions,
  ) {
    this.key429 = `${opts.prefix}:brightdata:429`;
    this.keyInFlight = `${opts.prefix}:brightdata:inflight`;
    this.windowMs = opts.windowMs ?? 5 * 60_000;
  }

  async acquire(signal?: AbortSignal): Promise<GateLease> {
    const id = randomBytes(8).toString('hex');
    const deadline = Date.now() + this.opts.maxWaitMs;
    for (;;) {
      const [verdict, waitMs, seen] = await this.eval(ACQUIRE, [this.windowMs, this.opts.max429, this.opts.leaseMs, id]);
      if (verdict === 2) return { release: ({ status }) => this.release(id, status === 429) };
      if (verdict === 0) {
        throw new ProviderError(
          'brightdata',
          'guard',
          `stopped sending: ${seen} rate-limit answers (429) in the last ${this.windowMs / 60_000} minutes reached the limit of ` +
            `${this.opts.max429}; requests resume in ${Math.ceil(waitMs / 1000)}s`,
          { status: 429, retryable: false },
        );
      }
      if (Date.now() >= deadline) {
        throw new ProviderError('brightdata', 'guard', 'no request slot: the 429 budget is held by requests in flight', {
          retryable: false,
        });
      }
      await sleep(25 + Math.random() * 75, signal);
    }
  }

  /** 429s currently in the window (for metrics and tests). */
  async count(): Promise<number> {
    const [, , seen] = await this.eval(COUNT, [this.windowMs]);
    return seen;
  }

  private async release(id: string, was429: boolean): Promise<void> {
    try {
      await this.redis.eval(RELEASE, 2, this.key429, this.keyInFlight, id, was429 ? '1' : '0', this.windowMs);
    } catch {
      // The lease expires by itself; a lost 429 is the one thing we cannot recover, so retry once.
      if (was429) await this.redis.eval(RELEASE, 2, this.key429, this.keyInFlight, id, '1', this.windowMs).catch(() => {});
    }
  }

  private async eval(script: string, args: (string | number)[]): Promise<[number, number, number]> {
    try {
      return (await this.redis.eval(script, 2, this.key429, this.keyInFlight, ...args)) as [number, number, number];
    } catch (err) {
      throw new ProviderError('brightdata', 'guard', `cannot check the 429 guard in Redis, not sending: ${(err as Error).message}`, {
        retryable: false,
        cause: err,
      });
    }
  }
}

/**
 * The one shared 429 guard of a deployment, from config: the BrightData source sends through it and
 * the API's metrics read its window (every process sees the same Redis keys).
 */
export function brightDataRateGuard(redis: Redis, config: Pick<Config, 'redis' | 'profiles'>): RedisRateGuard {
  const bd = config.profiles.brightdata;
  return new RedisRateGuard(redis, {
    prefix: config.redis.prefix,
    max429: bd.max429Per5Min,
    leaseMs: bd.timeoutMs + 10_000,
    maxWaitMs: bd.timeoutMs,
  });
}
