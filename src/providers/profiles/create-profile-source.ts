import type { Redis } from 'ioredis';
import type { Logger } from '../../app/logger.js';
import type { Config } from '../../config.js';
import type { CreatorIndex } from '../search-index/creator-index.js';
import type { Ledger } from '../ledger.js';
import { IndexProfileSource } from './index-profile.source.js';
import type { ProfileSource } from './profile-source.js';
import type { BrightDataCacheRepository } from '../../repositories/brightdata-cache.repository.js';
import { createBrightDataSource } from './brightdata/create-brightdata-source.js';

export function createProfileSource(
  config: Config,
  deps: { index: CreatorIndex; ledger: Ledger; cache: BrightDataCacheRepository; redis: Redis; logger?: Logger },
): ProfileSource {
  switch (config.profiles.source) {
    case 'index':
      return new IndexProfileSource(deps.index, deps.ledger, { maxAgeDays: config.profiles.maxAgeDays });
    case 'brightdata':
      return createBrightDataSource(config, deps);
  }
}
