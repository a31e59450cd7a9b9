import type { BriefExpansion, FitScore } from '../../domain/job.js';
import type { Profile } from '../../domain/profile.js';
import type { CallContext, Ledger } from '../ledger.js';
import { expandBriefText } from './heuristic-expand.js';
import { scoreProfiles } from './heuristic-score.js';
import type { Llm, ScoringBrief } from './llm.js';

/**
 * The embedded LLM stand-in: a niche lexicon reads the brief, weighted evidence scores the fit.
 * Needs no network and no key, costs nothing, and gives the same answer for the same input. The
 * OpenAI-compatible LLM falls back to `scoreFit` of this class for a batch it cannot score.
 */
export class HeuristicLlm implements Llm {
  readonly name = 'heuristic';

  /** `asFallback`: standing in for a provider that could not answer; its ledger rows say `fallback` */
  constructor(
    private readonly ledger: Ledger,
    private readonly opts: { asFallback?: boolean } = {},
  ) {}

  private get status(): 'ok' | 'fallback' {
    return this.opts.asFallback ? 'fallback' : 'ok';
  }

  expandBrief(brief: string, ctx: CallContext): Promise<BriefExpansion> {
    return this.ledger.track(ctx, 'llm', 'expand', async () => {
      const result = expandBriefText(brief);
      return { result, status: this.status, units: { briefs: 1, queries: result.queries.length }, costUsd: 0 };
    });
  }

  scoreFit(brief: ScoringBrief, profiles: Profile[], ctx: CallContext): Promise<FitScore[]> {
    return this.ledger.track(ctx, 'llm', 'score', async () => {
      ctx.signal?.throwIfAborted();
      return { result: scoreProfiles(brief, profiles), status: this.status, units: { profiles: profiles.length }, costUsd: 0 };
    });
  }
}
