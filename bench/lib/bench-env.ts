import path from 'node:path';
import { createApiKey } from '../../src/services/api-keys.service.js';
import { flag } from './results.js';
import { createTestContext } from '../../test/helpers/test-env.js';
import type { TestContext } from '../../test/helpers/test-env.js';

/** Limits so high that the token buckets and the daily quota never refuse a benchmark request. */
export const unlimitedEnv: Record<string, string> = {
  RATE_LIMIT_PER_MIN: '100000000',
  RATE_LIMIT_BURST: '100000000',
  START_RATE_LIMIT_PER_MIN: '100000000',
  START_RATE_LIMIT_BURST: '100000000',
  DAILY_JOB_QUOTA: '100000000',
};

/**
 * A fresh database, Redis prefix and data dir (the test harness's), plus an API key whose own
 * rate limit is the highest a key may have. The limiter and idempotency code still run on every
 * request; they just never say no.
 */
export async function benchContext(overrides: Record<string, string> = {}): Promise<TestContext & { apiKey: string; apiKeyId: string }> {
  const t = await createTestContext({ ...unlimitedEnv, LOG_LEVEL: 'warn', ...overrides });
  const { key, row } = await createApiKey(t.ctx.repos.apiKeys, { name: 'bench', rateLimitPerMin: 1_000_000, dailyJobQuota: 1_000_000 });
  return { ...t, apiKey: key, apiKeyId: row.id };
}

export const briefs = [
  'fitness creators for a vegan protein bar launch, gym and workout content, US',
  'travel creators for a luggage brand, road trips and hotels',
  'beauty creators for a skincare serum launch, glowing skin routines',
  'food creators who share recipes and cooking for a kitchenware brand',
  'pet creators with dogs and cats for a pet food brand',
  'interior design creators for a furniture and home decor launch',
  'family and parenting creators for a baby stroller campaign',
  'fashion creators with street style for a sneaker drop',
];

/**
 * The embedder the index benchmarks (import, search) run with: the product's default (wordvec,
 * 100-d word vectors + a 64-d hashing part for unknown words) unless `--embedder=hashing` asks
 * for the tests' embedder (384-d). The converted word-vector table is kept in data/bench-wordvec
 * so it is converted once, not per run.
 */
export function benchEmbedderEnv(): Record<string, string> {
  const provider = flag('embedder', 'wordvec');
  if (provider !== 'wordvec' && provider !== 'hashing') throw new Error(`--embedder must be wordvec or hashing, not ${provider}`);
  return provider === 'wordvec' ? { EMBEDDINGS_PROVIDER: 'wordvec', WORDVEC_DIR: path.resolve('data/bench-wordvec') } : { EMBEDDINGS_PROVIDER: 'hashing' };
}
