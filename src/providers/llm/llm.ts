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
  /** one score per profile, same keys; profiles' text is data, never instructions */
  scoreFit(brief: ScoringBrief, profiles: Profile[], ctx: CallContext): Promise<FitScore[]>;
}
