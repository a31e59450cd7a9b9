import type { HardFilters, Platform } from '../domain/creator.js';
import type { BriefExpansion } from '../domain/job.js';
import { loadSeeds, seedExpansion, withSeeds } from '../services/lookalike.service.js';
import type { StageRun } from './stage-run.js';

export interface ExpandOutput {
  /** the brief as scored: the client's, or for a lookalike job without one, a description of its seeds */
  brief: string;
  expansion: BriefExpansion;
  /** the job's hard filters: explicit request filters over those inferred from the brief */
  filters: HardFilters;
  /** true when a previous attempt's expansion was reused (no second LLM call) */
  reused: boolean;
}

interface SavedExpansion {
  expansion: BriefExpansion;
  filters: HardFilters;
  /** absent on expansions saved before lookalike jobs, whose brief is the job's own */
  brief?: string;
}

const MAX_QUERIES = 8;

/**
 * Explicit filters win, field by field; the follower band counts as one field, so an explicit
 * minimum is never combined with an inferred maximum. Platforms come from the request when it
 * names them, else from the brief.
 */
export function mergeFilters(explicit: HardFilters, inferred: HardFilters, platforms: Platform[] | null): HardFilters {
  const out: HardFilters = {};
  const pick = <K extends keyof HardFilters>(k: K) => {
    const v = explicit[k] ?? inferred[k];
    if (v !== undefined) out[k] = v;
  };
  const band = explicit.followersMin !== undefined || explicit.followersMax !== undefined ? explicit : inferred;
  if (band.followersMin !== undefined) out.followersMin = band.followersMin;
  if (band.followersMax !== undefined) out.followersMax = band.followersMax;
  pick('countries');
  pick('languages');
  pick('minEngagementRate');
  pick('niches');
  pick('includeUnknown');
  const p = platforms ?? explicit.platforms ?? inferred.platforms;
  if (p && p.length > 0) out.platforms = [...p];
  return out;
}

/** Keeps what an LLM answered usable: trimmed, distinct, non-empty queries (the brief when there are none). */
export function normaliseExpansion(e: BriefExpansion, brief: string): BriefExpansion {
  const queries = [...new Set(e.queries.map((q) => q.replace(/\s+/g, ' ').trim()).filter((q) => q.length > 0))].slice(0, MAX_QUERIES);
  return { ...e, queries: queries.length > 0 ? queries : [brief.slice(0, 500)] };
}

/**
 * Brief → queries, niches, topics and filters. A lookalike job adds its seeds' niches and shared
 * topics; without a brief they are the whole expansion (no LLM call). A re-run reuses the saved one.
 */
export async function runExpandStage(run: StageRun): Promise<ExpandOutput> {
  const { deps, params, runtime } = run;
  const saved = await deps.repos.artifacts.get<SavedExpansion>(runtime.jobId, 'expansion');
  if (saved) return { brief: saved.data.brief ?? params.brief, expansion: saved.data.expansion, filters: saved.data.filters, reused: true };

  const seeds = params.similarTo ? await loadSeeds(deps.providers.index, params.similarTo, runtime.call) : null;
  if (seeds && seeds.missing.length > 0) {
    await runtime.emit('warning', {
      stage: 'expand',
      code: 'seeds_missing',
      message: `seed creator(s) no longer in the index, left out: ${seeds.missing.join(', ')}`,
    });
  }
  let brief = params.brief;
  let expansion: BriefExpansion;
  if (params.brief === '' && seeds) {
    ({ brief, expansion } = seedExpansion(seeds.seeds));
  } else {
    expansion = normaliseExpansion(await deps.providers.llm.expandBrief(params.brief, runtime.call), params.brief);
    if (seeds && seeds.seeds.length > 0) expansion = withSeeds(expansion, seeds.seeds);
  }
  const filters = mergeFilters(params.filters, expansion.filters, params.platforms);
  await deps.repos.artifacts.put(runtime.jobId, 'expansion', { expansion, filters, brief } satisfies SavedExpansion);
  if (expansion.fallback) {
    await runtime.emit('warning', { stage: 'expand', code: 'expand_fallback', message: 'the LLM could not expand the brief; the rule-based expansion stands in' });
  }
  // parts of the brief the data cannot honour as asked ("men's": no creator gender in the index)
  for (const note of expansion.notes ?? []) await runtime.emit('warning', { stage: 'expand', code: 'brief_not_applied', message: note });
  return { brief, expansion, filters, reused: false };
}
