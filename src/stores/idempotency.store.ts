import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { randomId } from '../domain/ids.js';

/** Stripe keeps idempotency keys for 24 hours; so do we (Redis here, and the DB's unique index). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** A request that dies mid-flight must not block its key for a day: the in-progress marker is short-lived. */
const IN_PROGRESS_TTL_SECONDS = 30;
export const IDEMPOTENCY_KEY_MAX = 255;
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export type IdempotencyState =
  | { state: 'acquired'; token: string }
  | { state: 'in_progress'; requestHash: string }
  | { state: 'done'; requestHash: string; jobId: string };

interface Stored {
  h: string;
  j?: string;
  t?: string;
}

/**
 * Idempotency-Key records in Redis, scoped to the API key. `begin` atomically claims a key
 * (SET NX) or reports what is there: still in progress, or done with a job id. The database's
 * unique index on (api_key_id, idempotency_key) is the backstop when Redis is unavailable.
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(apiKeyId: string, idempotencyKey: string): string {
    const digest = createHash('sha256').update(idempotencyKey).digest('hex');
    return `${this.prefix}:idem:${apiKeyId}:${digest}`;
  }

  async begin(apiKeyId: string, idempotencyKey: string, requestHash: string): Promise<IdempotencyState> {
    const key = this.key(apiKeyId, idempotencyKey);
    // from the process's pool of random bytes: a randomBytes() call of its own cost ~6 µs alone and
    // ~28 µs a start under bench:api's load (its self time in a --cpu-prof of the start route)
    const token = randomId(8);
    for (let i = 0; i < 3; i++) {
      const set = await this.redis.set(key, JSON.stringify({ h: requestHash, t: token } satisfies Stored), 'EX', IN_PROGRESS_TTL_SECONDS, 'NX');
      if (set === 'OK') return { state: 'acquired', token };
      const raw = await this.redis.get(key);
      if (raw === null) continue; // expired between the two calls: try to claim it again
      const stored = JSON.parse(raw) as Stored;
      return stored.j ? { state: 'done', requestHash: stored.h, jobId: stored.j } : { state: 'in_progress', requestHash: stored.h };
    }
    throw new Error('idempotency key kept changing under us');
  }

  async complete(apiKeyId: string, idempotencyKey: string, requestHash: string, jobId: string): Promise<void> {
    await this.redis.set(this.key(apiKeyId, idempotencyKey), JSON.stringify({ h: requestHash, j: jobId } satisfies Stored), 'EX', IDEMPOTENCY_TTL_SECONDS);
  }

  /** Drops our in-progress claim (the request failed before creating anything), if it is still ours. */
  async release(apiKeyId: string, idempotencyKey: string, token: string): Promise<void> {
    const key = this.key(apiKeyId, idempotencyKey);
    await this.redis.eval(
      `local v = redis.call('GET', KEYS[1]) if v and cjson.decode(v).t == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
      1,
      key,
      token,
    );
  }
}

/** Canonical JSON (sorted keys) so the same request in a different key order hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
