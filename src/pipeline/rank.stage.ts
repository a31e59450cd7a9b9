import type { CreatorKey } from '../domain/creator.js';
import type { FitScore, RankedResult, Stage } from '../domain/job.js';
import type { Profile } from '../domain/profile.js';
import { rankProfiles } from './results.js';
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
 * Final order (fit score, then engagement, then followers), the best `top_k` kept. Writes `final`
 * and `timing` (every stage's duration and counts, this one included).
 */
export async function runRankStage(
  run: StageRun,
  input: { profiles: Profile[]; scores: ReadonlyMap<CreatorKey, FitScore>; timings: Partial<Record<Stage, StageTiming>>; startedAt: number; attempt: number },
): Promise<RankedResult[]> {
  const { deps, params, rt } = run;
  const started = performance.now();
  const results = rankProfiles(input.profiles, input.scores, params.topK);
  await deps.repos.artifacts.put(rt.jobId, 'final', results);
  const timing: TimingArtifact = {
    total_ms: Math.round(performance.now() - input.startedAt),
    attempt: input.attempt,
    stages: { ...input.timings, rank: { duration_ms: Math.round(performance.now() - started), results: results.length } },
  };
  await deps.repos.artifacts.put(rt.jobId, 'timing', timing);
  return results;
}
