import type { CreatorKey } from '../domain/creator.js';
import type { FitScore } from '../domain/job.js';
import type { Profile } from '../domain/profile.js';
import { scoreProfiles } from '../providers/llm/heuristic-score.js';
import { resemblanceText } from '../services/lookalike.service.js';
import type { Resemblance } from '../services/lookalike.service.js';
import type { ScoringBrief } from '../providers/llm/llm.js';
import { chunk, forEachConcurrent, SerialQueue } from './concurrency.js';
import type { ExpandOutput } from './expand.stage.js';
import { pendingSummary, rankProfiles } from './results.js';
import type { StageRun } from './stage-run.js';

export interface ScoreOutput {
  scores: Map<CreatorKey, FitScore>;
  /** batches scored by the rule-based fallback because the LLM failed */
  fallbackBatches: number;
  /** scores carried over from an interrupted attempt */
  resumed: number;
}

/** The private `scores` artifact: every score so far, so a re-run scores only what is left. */
interface SavedScores {
  scores: FitScore[];
  fallback_batches: number;
}

const PARTIAL_TOP = 5;

/**
 * Keeps an LLM answer to the batch it was asked about: one score per profile, 0–100. Profiles the
 * answer left out get the rule-based score, flagged as fallback.
 */
export function reconcileScores(brief: ScoringBrief, batch: Profile[], answer: FitScore[]): FitScore[] {
  const byKey = new Map(answer.map((s) => [s.key, s]));
  const missing = batch.filter((p) => !byKey.has(p.key));
  const filled = new Map(scoreProfiles(brief, missing).map((s) => [s.key, { ...s, fallback: true }]));
  return batch.map((p) => {
    const s = byKey.get(p.key) ?? filled.get(p.key)!;
    return { ...s, key: p.key, score: Math.round(Math.min(100, Math.max(0, Number.isFinite(s.score) ? s.score : 0))) };
  });
}

/**
 * Fit scores in batches of SCORE_BATCH_SIZE, SCORE_CONCURRENCY at a time. After every batch the
 * `progressive` (top so far), `remaining` (not yet scored) and private `scores` artifacts are
 * rewritten together in one statement and `partial_results` + `progress` events go out, so clients see results early.
 * Cancellation is checked before each batch; a re-run scores only what is left.
 */
export async function runScoreStage(
  run: StageRun,
  expand: ExpandOutput,
  profiles: Profile[],
  resembles?: ReadonlyMap<CreatorKey, Resemblance>,
): Promise<ScoreOutput> {
  const { deps, params, rt } = run;
  const { batchSize, concurrency } = deps.config.scoring;
  const brief: ScoringBrief = { brief: expand.brief, expansion: expand.expansion, filters: expand.filters };
  // a lookalike's rationale first says which seed it resembles and why
  const withResemblance = (s: FitScore): FitScore => {
    const r = resembles?.get(s.key);
    return r ? { ...s, rationale: `${resemblanceText(r)}. ${s.rationale}` } : s;
  };
  const wanted = new Set<string>(profiles.map((p) => p.key));

  const scores = new Map<CreatorKey, FitScore>();
  const saved = await deps.repos.artifacts.get<SavedScores>(rt.jobId, 'scores');
  for (const s of saved?.data.scores ?? []) if (wanted.has(s.key)) scores.set(s.key, s);
  let fallbackBatches = saved?.data.fallback_batches ?? 0;
  const resumed = scores.size;

  const publish = async () => {
    const top = rankProfiles(profiles, scores, params.topK, params.minFitScore ?? 0);
    const remaining = profiles.filter((p) => !scores.has(p.key)).map(pendingSummary);
    await deps.repos.artifacts.putMany(rt.jobId, {
      scores: { scores: [...scores.values()], fallback_batches: fallbackBatches } satisfies SavedScores,
      progressive: top,
      remaining,
    });
    return top;
  };

  await publish();
  await rt.setCounters({ scored: scores.size, fallback_batches: fallbackBatches });
  const todo = profiles.filter((p) => !scores.has(p.key));
  const batches = chunk(todo, batchSize);
  const serial = new SerialQueue();

  await forEachConcurrent(
    batches,
    concurrency,
    async (batch, i) => {
      const answer = reconcileScores(brief, batch, await deps.providers.llm.scoreFit(brief, batch, rt.call)).map(withResemblance);
      // Batches finish in any order; their bookkeeping runs one at a time so artifacts stay consistent.
      await serial.run(async () => {
        for (const s of answer) scores.set(s.key, s);
        const fellBack = answer.some((s) => s.fallback === true);
        if (fellBack) fallbackBatches++;
        const top = await publish();
        if (fellBack) {
          await rt.emit('warning', {
            stage: 'score',
            code: 'score_fallback',
            message: `LLM scoring failed for batch ${i + 1}; rule-based scores stand in for its ${batch.length} profiles`,
          });
        }
        const counters = { scored: scores.size, fallback_batches: fallbackBatches };
        await rt.emit('partial_results', {
          scored: scores.size,
          total: profiles.length,
          top: top.slice(0, PARTIAL_TOP).map((r) => ({ rank: r.rank, platform: r.platform, handle: r.handle, fit_score: r.fit_score })),
        });
        await rt.progress(scores.size / profiles.length, counters, { total: profiles.length });
      });
    },
    () => rt.checkpoint(),
  );

  return { scores, fallbackBatches, resumed };
}
