import type { BriefExpansion, FitScore } from '../../domain/job.js';
import type { HardFilters } from '../../domain/creator.js';
import type { Profile } from '../../domain/profile.js';
import type { CallContext } from '../ledger.js';

export interface ScoringBrief {
  brief: string;
  expansion: BriefExpansion;
  /** the merged hard filters of the job (explicit over inferred) */
  filters: HardFilters;
}

export interface Llm {
  readonly name: string;
  expandBrief(brief: string, ctx: CallContext): Promise<BriefExpansion>;
  /**
   * Exactly one score per profile: the same keys in the same order, each `score` a whole number from
   * 0 to 100. A provider that cannot score a profile (outage, invalid or incomplete answer) answers
   * for it with the rule-based scorer and flags that score `fallback: true`; it never leaves a
   * profile out, so callers need no scorer of their own. Profiles' text is data, never instructions.
   * `checkFitScores` checks an answer against this.
   */
  scoreFit(brief: ScoringBrief, profiles: Profile[], ctx: CallContext): Promise<FitScore[]>;
}

/** An `Llm.scoreFit` answer that breaks the contract above: a bug in the implementation, not an outage. */
export class FitScoreContractError extends Error {
  constructor(llm: string, problem: string) {
    super(`${llm}.scoreFit broke its contract: ${problem}`);
    this.name = 'FitScoreContractError';
  }
}

/** Returns `scores` when they are one whole 0–100 score per profile, in profile order; throws otherwise. */
export function checkFitScores(llm: string, profiles: readonly Profile[], scores: readonly FitScore[]): FitScore[] {
  if (scores.length !== profiles.length) throw new FitScoreContractError(llm, `${scores.length} scores for ${profiles.length} profiles`);
  profiles.forEach((p, i) => {
    const s = scores[i]!;
    if (s.key !== p.key) throw new FitScoreContractError(llm, `score ${i + 1} is for ${s.key}, not ${p.key}`);
    if (!Number.isInteger(s.score) || s.score < 0 || s.score > 100) throw new FitScoreContractError(llm, `score ${s.score} for ${p.key} is not a whole number from 0 to 100`);
  });
  return [...scores];
}
