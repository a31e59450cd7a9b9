import type { HardFilters, Platform } from '../domain/creator.js';
import type { BriefExpansion } from '../domain/job.js';
import type { StageRun } from './stage-run.js';

export interface ExpandOutput {
  expansion: BriefExpansion;
  /** the job's hard filters: explicit request filters over those inferred from the brief */
  filters: HardFilters;
  /** true when a previous attempt's expansion was reused (no second LLM call) */
  reused: boolean;
}

interface SavedExpansion {
  expansion: BriefExpansion;
  filters: HardFilters;
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
  const p = platforms ?? explicit.platforms ?? inferred.platforms;
  if (p && p.length > 0) out.platforms = [...p];
  return out;
}

/** Keeps what an LLM answered usable: trimmed, distinct, non-empty queries (the brief when there are none). */
export function normaliseExpansion(e: BriefExpansion, brief: string): BriefExpansion {
  const queries = [...new Set(e.queries.map((q) => q.replace(/\s+/g, ' ').trim()).filter((q) => q.length > 0))].slice(0, MAX_QUERIES);
  return { ...e, queries: queries.length > 0 ? queries : [brief.slice(0, 500)] };
}

/** Brief → queries, niches, topics and filters. A re-run reuses the saved expansion. */
export async function runExpandStage(run: StageRun): Promise<ExpandOutput> {
  const { deps, params, rt } = run;
  const saved = await deps.repos.artifacts.get<SavedExpansion>(rt.jobId, 'expansion');
  if (saved) return { ...saved.data, reused: true };

  const expansion = normaliseExpansion(await deps.providers.llm.expandBrief(params.brief, rt.call), params.brief);
  const filters = mergeFilters(params.filters, expansion.filters, params.platforms);
  await deps.repos.artifacts.put(rt.jobId, 'expansion', { expansion, filters } satisfies SavedExpansion);
  if (expansion.fallback) {
    await rt.emit('warning', { stage: 'expand', code: 'expand_fallback', message: 'the LLM could not expand the brief; the rule-based expansion stands in' });
  }
  // parts of the brief the data cannot honour as asked ("men's": no creator gender in the index)
  for (const note of expansion.notes ?? []) await rt.emit('warning', { stage: 'expand', code: 'brief_not_applied', message: note });
  return { expansion, filters, reused: false };
}
