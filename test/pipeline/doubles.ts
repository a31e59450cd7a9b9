import type { AppContext, Providers } from '../../src/app/context.js';
import type { BriefExpansion, FitScore } from '../../src/domain/job.js';
import type { Profile, ProfileFetchResult } from '../../src/domain/profile.js';
import type { Creator } from '../../src/domain/creator.js';
import type { CallContext } from '../../src/providers/ledger.js';
import type { Llm, ScoringBrief } from '../../src/providers/llm/llm.js';
import type { ProfileSource } from '../../src/providers/profiles/profile-source.js';
import type { PipelineDeps } from '../../src/pipeline/stage-run.js';

/**
 * Stand-ins at the provider interface for what a paid LLM or scraper does that the embedded ones
 * never do (fail, fall back, take time). They wrap the real embedded providers, so every answer
 * that is not scripted is the real one.
 */
export class ScriptedLlm implements Llm {
  readonly name = 'scripted';
  scoreCalls = 0;
  expandCalls = 0;

  constructor(
    private readonly inner: Llm,
    private readonly script: {
      /** runs before each scoreFit call (1-based call number); may throw or return scores to use instead */
      beforeScore?: (call: number, profiles: Profile[], ctx: CallContext) => Promise<FitScore[] | void> | FitScore[] | void;
      beforeExpand?: (ctx: CallContext) => Promise<void> | void;
    } = {},
  ) {}

  async expandBrief(brief: string, ctx: CallContext): Promise<BriefExpansion> {
    this.expandCalls++;
    await this.script.beforeExpand?.(ctx);
    return this.inner.expandBrief(brief, ctx);
  }

  async scoreFit(brief: ScoringBrief, profiles: Profile[], ctx: CallContext): Promise<FitScore[]> {
    const call = ++this.scoreCalls;
    const scripted = await this.script.beforeScore?.(call, profiles, ctx);
    if (scripted) return scripted;
    return this.inner.scoreFit(brief, profiles, ctx);
  }
}

/** A profile source that fails for chosen creators (per profile) or whole batches (throws). */
export class FlakyProfileSource implements ProfileSource {
  readonly name = 'flaky';
  calls = 0;

  constructor(
    private readonly inner: ProfileSource,
    private readonly opts: { failKeys?: Set<string>; throwFor?: (creators: Creator[]) => boolean; cacheHitsPerCall?: number },
  ) {}

  async fetch(creators: Creator[], ctx: CallContext): Promise<ProfileFetchResult> {
    this.calls++;
    if (this.opts.throwFor?.(creators)) throw new Error('scraper unavailable: 503 from upstream');
    const failing = creators.filter((c) => this.opts.failKeys?.has(c.key));
    const ok = creators.filter((c) => !this.opts.failKeys?.has(c.key));
    const result = await this.inner.fetch(ok, ctx);
    return {
      profiles: result.profiles,
      errors: [...result.errors, ...failing.map((c) => ({ key: c.key, code: 'dead_page', message: 'profile is gone' }))],
      cacheHits: this.opts.cacheHitsPerCall ?? result.cacheHits,
    };
  }
}

/** The context's pipeline dependencies with some providers swapped. */
export function withProviders(ctx: AppContext, patch: Partial<Providers>, config?: Partial<AppContext['config']>): PipelineDeps {
  return {
    config: { ...ctx.config, ...config },
    logger: ctx.logger,
    repos: ctx.repos,
    jobEvents: ctx.jobEvents,
    providers: { ...ctx.providers, ...patch },
  };
}
