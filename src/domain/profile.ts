import type { CreatorKey, Platform } from './creator.js';

export type DataSource = 'index' | 'brightdata' | 'cache';

export interface RecentPost {
  caption: string;
  likes: number | null;
  comments: number | null;
  postedAt: string | null;
  url: string | null;
}

/** Fresh (or as fresh as we could get) profile data of one creator, whatever the source. */
export interface Profile {
  key: CreatorKey;
  platform: Platform;
  handle: string;
  displayName: string | null;
  bio: string;
  categories: string[];
  topics: string[];
  followers: number | null;
  following: number | null;
  postsCount: number | null;
  engagementRate: number | null;
  country: string | null;
  language: string | null;
  verified: boolean;
  isPrivate: boolean;
  email: string | null;
  profileUrl: string;
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
