import type { Config } from '../config.js';

/** BullMQ connection options from REDIS_URL; workers add maxRetriesPerRequest: null themselves. */
export function bullConnection(config: Config) {
  const u = new URL(config.redis.url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}
