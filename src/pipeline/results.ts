import type { CreatorKey } from '../domain/creator.js';
import type { BriefExpansion, FitScore, MatchQuality, RankedResult } from '../domain/job.js';
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
    score_breakdown: s.breakdown ?? null,
    rationale: s.rationale,
    matched_topics: s.matchedTopics,
    followers: p.followers,
    engagement_rate: p.engagementRate,
    country: p.country,
    language: p.language,
    data_source: p.dataSource,
    stale: p.stale,
    observed_at: p.observedAt,
    observed_at_basis: p.observedAtBasis,
    fetched_at: p.fetchedAt,
    score_fallback: s.fallback === true,
    niches: p.niches ?? [],
  };
}

/**
 * The best `topK` of the scored profiles at or above the relevance floor, ranked 1..n: a job returns
 * fewer results rather than unrelated ones.
 */
export function rankProfiles(profiles: Profile[], scores: ReadonlyMap<CreatorKey, FitScore>, topK: number, minFitScore = 0): RankedResult[] {
  const scored: ScoredProfile[] = [];
  for (const profile of profiles) {
    const score = scores.get(profile.key);
    if (score && score.score >= minFitScore) scored.push({ profile, score });
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

/** Mean fit of the best results at which a match counts as strong. */
export const STRONG_MEAN_FIT = 55;
const STRONG_COUNT = 10;

/**
 * How well the brief could be matched, with the reason: `none` when nothing reached the floor,
 * `weak` when the brief names no niche or product the service recognises (it is matched on its
 * words alone), when few creators reached the floor, or when even the best fit poorly; else `strong`.
 */
export function matchQuality(
  expansion: Pick<BriefExpansion, 'niches' | 'audience'>,
  results: Pick<RankedResult, 'fit_score'>[],
  opts: { topK: number; minFitScore: number; candidates: number },
): MatchQuality {
  const floor = opts.minFitScore;
  const niches = (expansion.audience ?? []).map((a) => a.niche);
  const named = niches.length > 0 ? niches : expansion.niches;
  const vague = 'the brief names no niche, product or audience we recognise; say what is sold and who should promote it';
  if (results.length === 0) {
    const why =
      opts.candidates === 0
        ? 'no creator in the index matched the brief and its filters'
        : `none of the ${opts.candidates} candidates reached the relevance floor (min_fit_score ${floor})`;
    return { level: 'none', reason: named.length === 0 ? `${why}: ${vague}` : why };
  }
  const best = results.slice(0, STRONG_COUNT);
  const mean = Math.round(best.reduce((s, r) => s + r.fit_score, 0) / best.length);
  const enough = Math.min(opts.topK, STRONG_COUNT);
  if (named.length === 0) {
    return {
      level: 'weak',
      reason: `${vague}; ${results.length} creator(s) matched on its words alone reached min_fit_score ${floor}`,
    };
  }
  if (results.length < enough) {
    return { level: 'weak', reason: `only ${results.length} creator(s) about ${named.join(', ')} reached min_fit_score ${floor}` };
  }
  if (mean < STRONG_MEAN_FIT) {
    return { level: 'weak', reason: `the best ${best.length} matches for ${named.join(', ')} average a fit of only ${mean}` };
  }
  return { level: 'strong', reason: `${results.length} creators about ${named.join(', ')} above min_fit_score ${floor}, the best ${best.length} averaging ${mean}` };
}
