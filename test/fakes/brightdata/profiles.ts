import type { Creator } from '../../../src/domain/creator.js';

/** A creator as the fake BrightData knows it; each request renders it in one dataset's field names (records.ts). */
export interface FakeCreatorProfile {
  platform: 'instagram' | 'tiktok';
  handle: string;
  fullName?: string;
  bio?: string;
  followers?: number;
  following?: number;
  posts?: number;
  verified?: boolean;
  country?: string;
  email?: string;
  /** fraction; left out of the record when undefined (clients must compute it) */
  engagement?: number;
  recent?: { caption: string; likes: number; comments: number }[];
}

/**
 * What BrightData knows about creators of our index: the same people with fresher numbers
 * (`followersGain` more followers), their bio and one recent post.
 */
export function freshProfilesOf(creators: Creator[], followersGain = 1000): FakeCreatorProfile[] {
  return creators.map((c) => ({
    platform: 'instagram' as const,
    handle: c.handle,
    fullName: c.displayName ?? undefined,
    bio: c.bio,
    followers: (c.followers ?? 0) + followersGain,
    following: 100,
    posts: 300,
    country: c.country ?? undefined,
    recent: [{ caption: c.bio.slice(0, 80), likes: 500, comments: 20 }],
  }));
}

