import type { AppContext } from '../app/context.js';
import type { CreatorKey } from '../domain/creator.js';
import { newJobId } from '../domain/ids.js';
import { emptyMeta } from '../domain/job.js';
import type { JobParams, RankedResult } from '../domain/job.js';
import { openSource } from '../import/records.js';
import { runPipeline } from '../pipeline/run-pipeline.js';

/** The Kim dataset's labelled niches (`other` is not a target). */
export const kimNiches = ['beauty', 'fashion', 'fitness', 'food', 'travel', 'pet', 'interior', 'family'] as const;

/** creator key → its niche labels */
export type Labels = Map<CreatorKey, string[]>;

/**
 * Ground-truth labels read from an import file (any supported format), for an index that was
 * imported with `--withhold-categories` so that search cannot see them.
 */
export async function readLabels(file: string): Promise<Labels> {
  const source = await openSource(file);
  const labels: Labels = new Map();
  const rowCtx = { source: 'labels', now: new Date().toISOString() };
  try {
    for await (const record of source.records) {
      if (record.error !== undefined) continue;
      try {
        const c = source.format.toCreator(record.values, rowCtx);
        labels.set(c.key, c.categories);
      } catch {
        // rows the importer would skip have no label either
      }
    }
  } finally {
    source.close();
  }
  return labels;
}

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
  opts: {
    apiKeyId: string;
    niches?: readonly string[];
    topK?: number;
    candidateLimit?: number;
    /** ground truth from a file; without it, the categories stored in the index are the truth */
    labels?: Labels;
  },
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
    const truth = opts.labels ?? new Map((await ctx.providers.index.get(keys, { jobId })).map((c) => [c.key, c.categories]));
    const hits = keys.filter((k) => truth.get(k)?.includes(niche)).length;
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
