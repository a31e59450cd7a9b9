import type { Queryable } from '../db/pool.js';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  rateLimitPerMin: number | null;
  dailyJobQuota: number | null;
  webhookSecret: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const columns = `id, name, prefix, rate_limit_per_min as "rateLimitPerMin", daily_job_quota as "dailyJobQuota",
  webhook_secret as "webhookSecret", created_at as "createdAt", last_used_at as "lastUsedAt", revoked_at as "revokedAt"`;

export class ApiKeysRepository {
  constructor(private readonly db: Queryable) {}

  async insert(key: {
    id: string;
    name: string;
    prefix: string;
    keyHash: Buffer;
    webhookSecret: string;
    rateLimitPerMin?: number | null;
    dailyJobQuota?: number | null;
  }): Promise<ApiKeyRow> {
    const { rows } = await this.db.query<ApiKeyRow>(
      `insert into api_keys (id, name, prefix, key_hash, webhook_secret, rate_limit_per_min, daily_job_quota)
       values ($1, $2, $3, $4, $5, $6, $7) returning ${columns}`,
      [key.id, key.name, key.prefix, key.keyHash, key.webhookSecret, key.rateLimitPerMin ?? null, key.dailyJobQuota ?? null],
    );
    return rows[0]!;
  }

  /** Looks a key up by its SHA-256; revoked keys are returned too so callers can tell them apart. */
  async findByHash(keyHash: Buffer): Promise<(ApiKeyRow & { keyHash: Buffer }) | null> {
    const { rows } = await this.db.query<ApiKeyRow & { keyHash: Buffer }>(
      `select ${columns}, key_hash as "keyHash" from api_keys where key_hash = $1`,
      [keyHash],
    );
    return rows[0] ?? null;
  }

  async get(id: string): Promise<ApiKeyRow | null> {
    const { rows } = await this.db.query<ApiKeyRow>(`select ${columns} from api_keys where id = $1`, [id]);
    return rows[0] ?? null;
  }

  async list(opts: { includeRevoked?: boolean; limit?: number } = {}): Promise<ApiKeyRow[]> {
    const { rows } = await this.db.query<ApiKeyRow>(
      `select ${columns} from api_keys where $1 or revoked_at is null order by created_at desc limit $2`,
      [opts.includeRevoked ?? true, Math.min(opts.limit ?? 500, 1000)],
    );
    return rows;
  }

  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'update api_keys set revoked_at = now() where id = $1 and revoked_at is null',
      [id],
    );
    return rowCount === 1;
  }

  /** Replaces an active key's webhook secret; null when the key is unknown or revoked. */
  async rotateWebhookSecret(id: string, secret: string): Promise<ApiKeyRow | null> {
    const { rows } = await this.db.query<ApiKeyRow>(
      `update api_keys set webhook_secret = $2 where id = $1 and revoked_at is null returning ${columns}`,
      [id, secret],
    );
    return rows[0] ?? null;
  }

  async updateLimits(id: string, limits: { rateLimitPerMin?: number | null; dailyJobQuota?: number | null }): Promise<ApiKeyRow | null> {
    const { rows } = await this.db.query<ApiKeyRow>(
      `update api_keys set
         rate_limit_per_min = case when $2 then $3 else rate_limit_per_min end,
         daily_job_quota = case when $4 then $5 else daily_job_quota end
       where id = $1 returning ${columns}`,
      [id, 'rateLimitPerMin' in limits, limits.rateLimitPerMin ?? null, 'dailyJobQuota' in limits, limits.dailyJobQuota ?? null],
    );
    return rows[0] ?? null;
  }

  /** Coarse last-used stamp: written at most once a minute per key to keep the hot path cheap. */
  async touch(id: string): Promise<void> {
    await this.db.query(
      `update api_keys set last_used_at = now() where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
