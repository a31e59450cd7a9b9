import { isStale } from './creator.js';
import type { Creator, CreatorKey } from './creator.js';

export type DataSource = 'index' | 'brightdata' | 'cache';

export interface RecentPost {
  caption: string;
  likes: number | null;
  comments: number | null;
  postedAt: string | null;
  url: string | null;
}

/**
 * Fresh (or as fresh as we could get) profile data of one creator, whatever the source: the index
 * fields (see Creator) plus what only a live profile has.
 */
export interface Profile extends Omit<Creator, 'source' | 'updatedAt'> {
  isPrivate: boolean;
  email: string | null;
  recentPosts: RecentPost[];
  dataSource: DataSource;
  /** true when fresh data was wanted but could not be had, so index data stands in */
  stale: boolean;
  fetchedAt: string;
}

export interface ProfileFetchError {
  key: CreatorKey;
  code: string;
  message: string;
}

export interface ProfileFetchResult {
  profiles: Profile[];
  errors: ProfileFetchError[];
  cacheHits: number;
}

/**
 * A creator's index record as a profile: what the embedded default serves, and what stands in when
 * a live fetch fails. It is `stale` when observed longer ago than `maxAgeDays`.
 */
export function profileFromCreator(c: Creator, opts: { maxAgeDays: number }): Profile {
  return {
    key: c.key,
    platform: c.platform,
    handle: c.handle,
    displayName: c.displayName,
    bio: c.bio,
    categories: c.categories,
    ...(c.niches ? { niches: c.niches } : {}),
    topics: c.topics,
    followers: c.followers,
    following: c.following,
    postsCount: c.postsCount,
    engagementRate: c.engagementRate,
    country: c.country,
    language: c.language,
    verified: c.verified,
    isPrivate: false,
    email: null,
    profileUrl: c.profileUrl,
    recentPosts: [],
    dataSource: 'index',
    observedAt: c.observedAt,
    observedAtBasis: c.observedAtBasis,
    stale: isStale(c.observedAt, opts.maxAgeDays),
    fetchedAt: c.updatedAt,
  };
}
