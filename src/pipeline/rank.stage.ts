import type { CreatorKey } from '../domain/creator.js';
import type { BriefExpansion, FitScore, MatchQuality, RankedResult, Stage } from '../domain/job.js';
import type { Profile } from '../domain/profile.js';
import { matchQuality, rankProfiles } from './results.js';
import type { StageRun } from './stage-run.js';

/** Duration and counts of one stage, as the `timing` artifact and `stage_completed` events show them. */
export type StageTiming = { duration_ms: number } & Record<string, number | boolean>;

export interface TimingArtifact {
  total_ms: number;
  /** which run of the job this was (1 unless a worker crashed or handed it back) */
  attempt: number;
  stages: Partial<Record<Stage, StageTiming>>;
}

/**
 * Final order (fit score, then engagement, then followers), the best `top_k` at or above
 * `min_fit_score` kept. Writes `final`, `match` (how well the brief matched, with the reason; a
 * `warning` event when it is weak or none) and `timing` (every stage's duration and counts, this one included).
 */
export async function runRankStage(
  run: StageRun,
  input: {
    profiles: Profile[];
    scores: ReadonlyMap<CreatorKey, FitScore>;
    expansion: BriefExpansion;
    timings: Partial<Record<Stage, StageTiming>>;
    startedAt: number;
    attempt: number;
  },
): Promise<RankedResult[]> {
  const { deps, params, runtime } = run;
  const started = performance.now();
  const minFitScore = params.minFitScore ?? 0;
  const results = rankProfiles(input.profiles, input.scores, params.topK, minFitScore);
  const match = matchQuality(input.expansion, results, { topK: params.topK, minFitScore, candidates: input.profiles.length });
  await deps.repos.artifacts.putMany(runtime.jobId, { final: results, match: match satisfies MatchQuality });
  if (match.level !== 'strong') {
    await runtime.emit('warning', { stage: 'rank', code: match.level === 'none' ? 'no_match' : 'weak_match', match_quality: match.level, message: match.reason });
  }
  const timing: TimingArtifact = {
    total_ms: Math.round(performance.now() - input.startedAt),
    attempt: input.attempt,
    stages: { ...input.timings, rank: { duration_ms: Math.round(performance.now() - started), results: results.length } },
  };
  await deps.repos.artifacts.put(runtime.jobId, 'timing', timing);
  return results;
}
