import type { Config } from '../../config.js';
import type { CreatorIndex } from '../index/creator-index.js';
import type { Ledger } from '../ledger.js';
import { IndexProfileSource } from './index.source.js';
import type { ProfileSource } from './profile-source.js';
import type { BrightDataCacheRepository } from '../../repositories/brightdata-cache.repository.js';

export function createProfileSource(
  config: Config,
  deps: { index: CreatorIndex; ledger: Ledger; cache: BrightDataCacheRepository },
): ProfileSource {
  switch (config.profiles.source) {
    case 'index':
      return new IndexProfileSource(deps.index, deps.ledger);
    case 'brightdata':
      throw new Error('PROFILE_SOURCE=brightdata is not available in this build');
  }
}
