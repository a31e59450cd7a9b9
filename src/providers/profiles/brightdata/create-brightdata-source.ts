import type { Redis } from 'ioredis';
import type { Logger } from '../../../app/logger.js';
import type { Config } from '../../../config.js';
import type { BrightDataCacheRepository } from '../../../repositories/brightdata-cache.repository.js';
import { breakerFrom, retryPolicyFrom } from '../../http/policy.js';
import type { Ledger } from '../../ledger.js';
import { BrightDataClient } from './brightdata.client.js';
import { BrightDataProfileSource } from './brightdata.source.js';
import { brightDataRateGuard } from './rate-guard.js';

/** The BrightData source wired from config: client, shared 429 guard in Redis, breaker, cache. */
export function createBrightDataSource(
  config: Config,
  deps: { ledger: Ledger; cache: BrightDataCacheRepository; redis: Redis; logger?: Logger },
): BrightDataProfileSource {
  const bd = config.profiles.brightdata;
  const apiKey = bd.apiKey;
  if (!apiKey) throw new Error('BRIGHTDATA_API_KEY is required when PROFILE_SOURCE=brightdata');
  const gate = brightDataRateGuard(deps.redis, config);
  const client = new BrightDataClient(
    {
      baseUrl: bd.baseUrl ?? 'https://api.brightdata.com',
      apiKey,
      timeoutMs: bd.timeoutMs,
      // BrightData asks for 2, 4, 8, 16, 32 s between retries when it sends no Retry-After.
      retry: retryPolicyFrom(config, { baseDelayMs: bd.retryBaseMs }),
      breaker: breakerFrom(config),
      gate,
      pollIntervalMs: bd.pollIntervalMs,
      maxWaitMs: bd.maxWaitMs,
      pricePer1kRecords: config.prices.brightdataPer1kRecords,
    },
    deps.ledger,
  );
  return new BrightDataProfileSource(client, deps.cache, {
    datasets: bd.datasets,
    cacheTtlHours: bd.cacheTtlHours,
    maxAgeDays: config.profiles.maxAgeDays,
    concurrency: bd.concurrency,
    logger: deps.logger,
  });
}
