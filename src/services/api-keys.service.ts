import { timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../app/app-context.js';
import type { Config } from '../config.js';
import { API_KEY_REVOKED_REASON } from '../pipeline/job-runtime.js';
import { generateApiKey, generateWebhookSecret, hashApiKey, hashApiKeyBase64, isWellFormedApiKey } from '../domain/api-key.js';
import { newApiKeyId } from '../domain/ids.js';
import type { ApiKeyRow, ApiKeysRepository } from '../repositories/api-keys.repository.js';

export interface CreateApiKeyOptions {
  name: string;
  rateLimitPerMin?: number | null;
  dailyJobQuota?: number | null;
}

export interface CreatedApiKey {
  /** the plaintext key: shown once, never stored */
  key: string;
  row: ApiKeyRow;
}

export async function createApiKey(repo: ApiKeysRepository, opts: CreateApiKeyOptions): Promise<CreatedApiKey> {
  const name = opts.name.trim();
  if (name.length < 1 || name.length > 100) throw new RangeError('name must be 1–100 characters');
  for (const [field, v] of [
    ['rateLimitPerMin', opts.rateLimitPerMin],
    ['dailyJobQuota', opts.dailyJobQuota],
  ] as const) {
    if (v !== undefined && v !== null && (!Number.isInteger(v) || v < 1 || v > 1_000_000)) {
      throw new RangeError(`${field} must be an integer between 1 and 1000000`);
    }
  }
  const { key, hash, prefix } = generateApiKey();
  const row = await repo.insert({
    id: newApiKeyId(),
    name,
    prefix,
    keyHash: hash,
    webhookSecret: generateWebhookSecret(),
    rateLimitPerMin: opts.rateLimitPerMin ?? null,
    dailyJobQuota: opts.dailyJobQuota ?? null,
  });
  return { key, row };
}

export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'revoked';
export type AuthResult = { ok: true; key: ApiKeyRow } | { ok: false; reason: AuthFailure };

/**
 * Resolves a presented key to its row. The lookup is by hash; the stored hash is then compared in
 * constant time so the answer does not depend on how much of it matched.
 */
/** Remembers the hashes (base64) of well-formed keys that matched no row, so repeats skip the database. */
export interface UnknownKeyMemo {
  has(hash: string): boolean;
  add(hash: string): void;
}

/**
 * Remembers verified (unrevoked) keys by hash (base64) for a moment, so a key's requests do not
 * each cost a Postgres lookup. The memo is responsible for forgetting a key the moment it is revoked.
 */
export interface VerifiedKeyMemo {
  get(hash: string): ApiKeyRow | undefined;
  add(hash: string, key: ApiKeyRow): void;
}

export async function authenticateApiKey(
  repo: ApiKeysRepository,
  presented: string | undefined,
  unknownKeys?: UnknownKeyMemo,
  verifiedKeys?: VerifiedKeyMemo,
): Promise<AuthResult> {
  if (presented === undefined || presented === '') return { ok: false, reason: 'missing' };
  if (!isWellFormedApiKey(presented)) return { ok: false, reason: 'malformed' };
  const memoKey = unknownKeys || verifiedKeys ? hashApiKeyBase64(presented) : '';
  const known = verifiedKeys?.get(memoKey);
  if (known) return { ok: true, key: known };
  if (unknownKeys?.has(memoKey)) return { ok: false, reason: 'unknown' };
  const hash = memoKey ? Buffer.from(memoKey, 'base64') : hashApiKey(presented);
  const row = await repo.findByHash(hash);
  if (!row || !timingSafeEqual(row.keyHash, hash)) {
    unknownKeys?.add(memoKey);
    return { ok: false, reason: 'unknown' };
  }
  const { keyHash: _keyHash, ...key } = row;
  if (key.revokedAt !== null) return { ok: false, reason: 'revoked' };
  verifiedKeys?.add(memoKey, key);
  return { ok: true, key };
}

export type RevokeDeps = Pick<AppContext, 'repos' | 'jobEvents' | 'logger'>;

/**
 * Revokes a key and stops what it has in flight: pending jobs are cancelled now (with a `cancelled`
 * event saying why), running jobs are told to stop at their next safe point (the worker also checks
 * the key at every stage boundary), and every API process ends the key's SSE streams. Returns
 * false when the key was already revoked or does not exist; the clean-up runs either way, so a
 * retry after a crash finishes the job.
 */
export async function revokeApiKey(ctx: RevokeDeps, apiKeyId: string): Promise<{ revokedNow: boolean; cancelled: number; stopping: number }> {
  const revokedNow = await ctx.repos.apiKeys.revoke(apiKeyId);
  const { cancelledNow, stopping } = await ctx.repos.jobs.cancelAllForKey(apiKeyId);
  for (const jobId of cancelledNow) {
    await ctx.jobEvents.emit(jobId, 'cancelled', { stage: null, reason: API_KEY_REVOKED_REASON });
  }
  await ctx.jobEvents.announceRevocation(apiKeyId).catch((err: unknown) => {
    ctx.logger.warn({ err, api_key_id: apiKeyId }, 'could not announce the revocation; open streams end at their next reconnect');
  });
  return { revokedNow, cancelled: cancelledNow.length, stopping: stopping.length };
}

/** The limits that apply to a key: its own where set, the configured defaults otherwise. */
export function effectiveLimits(key: Pick<ApiKeyRow, 'rateLimitPerMin' | 'dailyJobQuota'>, limits: Config['limits']) {
  return {
    ratePerMin: key.rateLimitPerMin ?? limits.ratePerMin,
    burst: limits.burst,
    startRatePerMin: Math.min(limits.startRatePerMin, key.rateLimitPerMin ?? limits.startRatePerMin),
    startBurst: limits.startBurst,
    dailyJobQuota: key.dailyJobQuota ?? limits.dailyJobQuota,
  };
}

/** Key metadata safe to print or serve (no hash, no webhook secret). */
export function describeApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    rate_limit_per_min: row.rateLimitPerMin,
    daily_job_quota: row.dailyJobQuota,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}
