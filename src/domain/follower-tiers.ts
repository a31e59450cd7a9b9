/**
 * Creator size tiers by follower count, the industry's usual bands: the one table the brief reader
 * ("micro-influencers" → 10k–100k followers), the scorer (engagement against the tier's median) and
 * its rationale ("48k followers in the micro band") share. A tier holds counts from `min` up to, not
 * including, `max`; a creator under 1,000 followers counts as nano.
 */
export type FollowerTierName = 'nano' | 'micro' | 'mid-tier' | 'macro' | 'mega';

export interface FollowerTier {
  name: FollowerTierName;
  min: number;
  /** exclusive; none for the top tier */
  max?: number;
}

export const FOLLOWER_TIERS: readonly FollowerTier[] = [
  { name: 'nano', min: 1_000, max: 10_000 },
  { name: 'micro', min: 10_000, max: 100_000 },
  { name: 'mid-tier', min: 100_000, max: 500_000 },
  { name: 'macro', min: 500_000, max: 1_000_000 },
  { name: 'mega', min: 1_000_000 },
];

/** The tier a follower count falls in. */
export function followerTier(followers: number): FollowerTier {
  return FOLLOWER_TIERS.find((t) => t.max === undefined || followers < t.max)!;
}

/** The tier by name. */
export function tierNamed(name: FollowerTierName): FollowerTier {
  return FOLLOWER_TIERS.find((t) => t.name === name)!;
}

/** The tier whose band is exactly `lo`–`hi` (as the brief reader sets it for "micro-influencers"), if any. */
export function tierOfBand(lo: number | undefined, hi: number | undefined): FollowerTier | undefined {
  return FOLLOWER_TIERS.find((t) => t.min === lo && t.max === hi);
}
