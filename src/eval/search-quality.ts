import type { AppContext } from '../app/context.js';
import type { CreatorKey } from '../domain/creator.js';
import { newJobId } from '../domain/ids.js';
import { emptyMeta } from '../domain/job.js';
import type { JobParams, RankedResult } from '../domain/job.js';
import { runPipeline } from '../pipeline/run-pipeline.js';

/** The Kim dataset's labelled niches (`other` is not a target). */
export const kimNiches = ['beauty', 'fashion', 'fitness', 'food', 'travel', 'pet', 'interior', 'family'] as const;

export interface NicheQuality {
  niche: string;
  /** share of the top-k final results whose source label is the niche */
  precision: number;
  results: number;
  hits: number;
  jobId: string;
  durationMs: number;
}

export interface QualityReport {
  topK: number;
  niches: NicheQuality[];
  meanPrecision: number;
}

/**
 * Search quality as a client sees it: each niche word is run as a brief through the whole pipeline
 * (expand → search → enrich → score → rank) with the configured providers, and the final top-k is
 * checked against the creators' category labels in the index.
 */
export async function evaluateNiches(
  ctx: Pick<AppContext, 'config' | 'logger' | 'repos' | 'providers' | 'jobEvents'>,
  opts: { apiKeyId: string; niches?: readonly string[]; topK?: number; candidateLimit?: number },
): Promise<QualityReport> {
  const topK = opts.topK ?? 25;
  const niches: NicheQuality[] = [];
  for (const niche of opts.niches ?? kimNiches) {
    const params: JobParams = {
      brief: niche,
      platforms: null,
      filters: {},
      topK,
      candidateLimit: opts.candidateLimit ?? 150,
      excludeKeys: [],
      webhookUrl: null,
    };
    const jobId = newJobId();
    await ctx.repos.jobs.insert({ id: jobId, apiKeyId: opts.apiKeyId, params, meta: emptyMeta() });
    const started = performance.now();
    const outcome = await runPipeline(ctx, jobId);
    if (outcome.status !== 'completed') throw new Error(`eval job for "${niche}" ended ${outcome.status}`);
    const final = await ctx.repos.artifacts.get<RankedResult[]>(jobId, 'final');
    const results = final?.data ?? [];
    const keys = results.map((r) => `${r.platform}:${r.handle}` as CreatorKey);
    const creators = await ctx.providers.index.get(keys, { jobId });
    const labelled = new Set(creators.filter((c) => c.categories.includes(niche)).map((c) => c.key));
    const hits = keys.filter((k) => labelled.has(k)).length;
    niches.push({
      niche,
      precision: hits / topK,
      results: results.length,
      hits,
      jobId,
      durationMs: Math.round(performance.now() - started),
    });
  }
  const meanPrecision = niches.reduce((s, n) => s + n.precision, 0) / Math.max(niches.length, 1);
  return { topK, niches, meanPrecision };
}
