import type { CreatorKey } from '../domain/creator.js';
import type { FitScore, RankedResult } from '../domain/job.js';
import type { Profile } from '../domain/profile.js';

export interface ScoredProfile {
  profile: Profile;
  score: FitScore;
}

const desc = (a: number | null, b: number | null) => (b ?? -1) - (a ?? -1);

/** Final order: fit score, then engagement rate, then followers (unknowns last), then key for a stable order. */
export function compareScored(a: ScoredProfile, b: ScoredProfile): number {
  return (
    b.score.score - a.score.score ||
    desc(a.profile.engagementRate, b.profile.engagementRate) ||
    desc(a.profile.followers, b.profile.followers) ||
    a.profile.key.localeCompare(b.profile.key)
  );
}

export function toRankedResult(item: ScoredProfile, rank: number): RankedResult {
  const { profile: p, score: s } = item;
  return {
    rank,
    platform: p.platform,
    handle: p.handle,
    display_name: p.displayName,
    profile_url: p.profileUrl,
    fit_score: s.score,
    rationale: s.rationale,
    matched_topics: s.matchedTopics,
    followers: p.followers,
    engagement_rate: p.engagementRate,
    country: p.country,
    language: p.language,
    data_source: p.dataSource,
    stale: p.stale,
    fetched_at: p.fetchedAt,
    score_fallback: s.fallback === true,
    niches: p.niches ?? [],
  };
}

/** The best `topK` of the scored profiles, ranked 1..n. */
export function rankProfiles(profiles: Profile[], scores: ReadonlyMap<CreatorKey, FitScore>, topK: number): RankedResult[] {
  const scored: ScoredProfile[] = [];
  for (const profile of profiles) {
    const score = scores.get(profile.key);
    if (score) scored.push({ profile, score });
  }
  return scored
    .sort(compareScored)
    .slice(0, Math.max(0, topK))
    .map((item, i) => toRankedResult(item, i + 1));
}

/** One row of the `remaining` artifact: a candidate still waiting for its score. */
export function pendingSummary(p: Profile) {
  return { key: p.key, platform: p.platform, handle: p.handle, display_name: p.displayName, followers: p.followers };
}
