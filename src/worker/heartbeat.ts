import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

/** How often a worker says it is alive, and how long a silent one still counts as alive. */
export const HEARTBEAT_INTERVAL_MS = 5_000;
export const HEARTBEAT_ALIVE_MS = 30_000;

export const heartbeatKey = (prefix: string) => `${prefix}:workers:heartbeat`;

/**
 * The worker's heartbeat: every few seconds, from its own event loop, it stamps its id in a sorted
 * set in Redis (score = Redis's clock). The API reads the set at scrape time (state-metrics), so the
 * "no worker" alert fires even when no worker is left to scrape, and a worker whose loop is frozen
 * stops beating like a dead one. A graceful stop removes the entry at once.
 */
export function startHeartbeat(ctx: { redis: Redis; config: { redis: { prefix: string } }; logger: { debug(o: object, m: string): void } }): { close(): Promise<void> } {
  const key = heartbeatKey(ctx.config.redis.prefix);
  const id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const beat = () =>
    ctx.redis
      .eval("local t = redis.call('TIME'); redis.call('ZADD', KEYS[1], t[1] * 1000 + math.floor(t[2] / 1000), ARGV[1]); return 1", 1, key, id)
      .catch((err: unknown) => ctx.logger.debug({ err }, 'worker heartbeat not written'));
  void beat();
  const timer = setInterval(() => void beat(), HEARTBEAT_INTERVAL_MS);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await ctx.redis.zrem(key, id).catch(() => {});
    },
  };
}

/** Workers that beat within HEARTBEAT_ALIVE_MS, and the age of the latest beat (null: none ever). */
export async function readHeartbeats(redis: Redis, prefix: string): Promise<{ alive: number; latestAgeSeconds: number | null }> {
  const key = heartbeatKey(prefix);
  const [alive, latest] = (await redis.eval(
    `local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000)
     redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 86400000)
     local alive = redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[1]), '+inf')
     local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
     if top[2] then return {alive, now - tonumber(top[2])} end
     return {alive, -1}`,
    1,
    key,
    HEARTBEAT_ALIVE_MS,
  )) as [number, number];
  return { alive, latestAgeSeconds: latest < 0 ? null : latest / 1000 };
}
