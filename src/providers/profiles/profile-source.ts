import type { Creator } from '../../domain/creator.js';
import type { ProfileFetchResult } from '../../domain/profile.js';
import type { CallContext } from '../ledger.js';

/**
 * Fresh profile data for creators found in the index. A source never throws for one bad profile:
 * it returns what it got, lists the failures, and the enrich stage falls back to index data.
 */
export interface ProfileSource {
  readonly name: string;
  fetch(creators: Creator[], ctx: CallContext): Promise<ProfileFetchResult>;
}
