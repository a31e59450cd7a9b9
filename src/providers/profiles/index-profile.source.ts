import type { Creator } from '../../domain/creator.js';
import { profileFromCreator } from '../../domain/profile.js';
import type { Profile, ProfileFetchError, ProfileFetchResult } from '../../domain/profile.js';
import type { CreatorIndex } from '../search-index/creator-index.js';
import type { CallContext, Ledger } from '../ledger.js';
import type { ProfileSource } from './profile-source.js';

// Moved to domain/profile.ts (stages use it without depending on this provider); re-exported for existing imports.
export { profileFromCreator };

/**
 * The embedded profile source: re-reads each creator's current record from the index (an import may
 * have refreshed it since the search) and serves it as the profile. Creators the index no longer
 * holds come back as `not_found` errors, so the enrich stage falls back to the search hit.
 */
export class IndexProfileSource implements ProfileSource {
  readonly name = 'index';

  constructor(
    private readonly index: CreatorIndex,
    private readonly ledger: Ledger,
    private readonly opts: { maxAgeDays: number },
  ) {}

  fetch(creators: Creator[], ctx: CallContext): Promise<ProfileFetchResult> {
    return this.ledger.track(ctx, 'profiles', 'index_lookup', async () => {
      ctx.signal?.throwIfAborted();
      const current = new Map((await this.index.get(creators.map((c) => c.key), ctx)).map((c) => [c.key, c]));
      const profiles: Profile[] = [];
      const errors: ProfileFetchError[] = [];
      for (const c of creators) {
        const found = current.get(c.key);
        if (found) profiles.push(profileFromCreator(found, this.opts));
        else errors.push({ key: c.key, code: 'not_found', message: 'the creator is no longer in the index' });
      }
      return {
        result: { profiles, errors, cacheHits: 0 },
        units: { records: profiles.length, errors: errors.length },
        costUsd: 0,
      };
    });
  }
}
