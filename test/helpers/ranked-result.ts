import type { RankedResult } from '../../src/domain/job.js';

/** A complete ranked result for `rank` (creator<rank>, fit 90 - rank), with `over` on top. */
export function rankedResult(rank: number, over: Partial<RankedResult> = {}): RankedResult {
  return {
    rank,
    platform: 'instagram',
    handle: `creator${rank}`,
    display_name: `Creator ${rank}`,
    profile_url: `https://www.instagram.com/creator${rank}/`,
    fit_score: 90 - rank,
    score_breakdown: { niche: 50, topics: 15 - rank, audience: 10, engagement: 12, freshness: 3 },
    rationale: 'Posts about "protein", "gym"; 3.1% engagement, near median',
    matched_topics: ['protein', 'gym'],
    followers: 50_000,
    engagement_rate: 0.031,
    country: 'US',
    language: 'en',
    data_source: 'index',
    stale: false,
    fetched_at: '2026-11-30T10:00:00.000Z',
    score_fallback: false,
    niches: [{ niche: 'fitness', p: 0.81 }],
    ...over,
  };
}
