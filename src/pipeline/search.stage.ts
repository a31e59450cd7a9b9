import { inferredNiches } from '../domain/creator.js';
import type { CreatorKey, InferredNiche, SearchHit } from '../domain/creator.js';
import { IndexNichesMissingError } from '../providers/index/creator-index.js';
import { forEachConcurrent } from './concurrency.js';
import type { ExpandOutput } from './expand.stage.js';
import type { Candidate, StageRun } from './stage-run.js';

/** Reciprocal-rank-fusion constant: the usual 60 keeps one list's top hit from drowning the others. */
const RRF_K = 60;
const QUERY_CONCURRENCY = 4;
/** the niche leg weighs as much as this share of all query legs together */
const NICHE_LEG_WEIGHT = 0.5;

/** One row of the `candidates` artifact. */
export interface CandidateSummary {
  rank: number;
  key: CreatorKey;
  platform: string;
  handle: string;
  display_name: string | null;
  profile_url: string;
  followers: number | null;
  engagement_rate: number | null;
  country: string | null;
  language: string | null;
  search_score: number;
  /** indexes into the expansion's queries */
  matched_queries: number[];
}

/**
 * Merges the hit lists of several queries into one candidate list: reciprocal rank fusion across
 * queries, de-duplicated by key, excluded keys removed, at most `limit`.
 */
export function fuseHits(
  lists: SearchHit[][],
  excludeKeys: readonly CreatorKey[],
  limit: number,
  /** per list (default 1): a list's RRF gains are multiplied by its weight */
  weights: readonly number[] = [],
): Candidate[] {
  const excluded = new Set<string>(excludeKeys);
  const byKey = new Map<string, Candidate & { best: number }>();
  lists.forEach((hits, q) => {
    hits.forEach((hit, rank) => {
      const key = hit.creator.key;
      if (excluded.has(key)) return;
      const gain = (weights[q] ?? 1) / (RRF_K + rank + 1);
      const c = byKey.get(key);
      if (!c) byKey.set(key, { creator: hit.creator, score: gain, queries: [q], best: rank });
      else if (!c.queries.includes(q)) {
        c.score += gain;
        c.queries.push(q);
        c.best = Math.min(c.best, rank);
      }
    });
  });
  return [...byKey.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || a.creator.key.localeCompare(b.creator.key))
    .slice(0, Math.max(0, limit))
    .map(({ creator, score, queries }) => ({ creator, score, queries }));
}

export function summariseCandidates(candidates: Candidate[]): CandidateSummary[] {
  return candidates.map((c, i) => ({
    rank: i + 1,
    key: c.creator.key,
    platform: c.creator.platform,
    handle: c.creator.handle,
    display_name: c.creator.displayName,
    profile_url: c.creator.profileUrl,
    followers: c.creator.followers,
    engagement_rate: c.creator.engagementRate,
    country: c.creator.country,
    language: c.creator.language,
    search_score: Math.round(c.score * 1e6) / 1e6,
    matched_queries: c.queries,
  }));
}

/**
 * Hybrid search per query with the job's hard filters applied in the index, fused into at most
 * `candidate_limit` candidates; writes the `candidates` artifact. A re-run keeps the candidates a
 * previous attempt already showed the client (re-read from the index).
 */
export async function runSearchStage(run: StageRun, expand: ExpandOutput): Promise<Candidate[]> {
  const { deps, params, rt } = run;
  const saved = await deps.repos.artifacts.get<CandidateSummary[]>(rt.jobId, 'candidates');
  if (saved) return reloadCandidates(run, saved.data);

  const queries = expand.expansion.queries;
  const lists: SearchHit[][] = new Array(queries.length);
  await forEachConcurrent(queries, QUERY_CONCURRENCY, async (text, i) => {
    lists[i] = await deps.providers.index.hybridSearch(
      { text, filters: expand.filters, limit: params.candidateLimit, excludeKeys: params.excludeKeys },
      rt.call,
    );
  });
  const weights = queries.map(() => 1);
  const nicheLeg = await searchBriefNiches(run, expand);
  if (nicheLeg) {
    lists.push(nicheLeg);
    weights.push(NICHE_LEG_WEIGHT * queries.length);
  }
  const candidates = fuseHits(lists, params.excludeKeys, params.candidateLimit, weights).map((c) => ({
    ...c,
    queries: c.queries.filter((q) => q < queries.length),
  }));
  await deps.repos.artifacts.put(rt.jobId, 'candidates', summariseCandidates(candidates));
  return candidates;
}

/**
 * The niche leg: the brief's first query again, restricted to creators whose inferred niches
 * (import-time classifier) include one the brief asks for. Fused with the query legs, it lifts
 * creators of the right niche that the words alone ranked lower; creators outside the niche are
 * still found by the other legs. Skipped when the brief names no inferred niche, when the job
 * filters by niches itself, and on an index built before niches were inferred.
 */
async function searchBriefNiches(run: StageRun, expand: ExpandOutput): Promise<SearchHit[] | null> {
  const { deps, params, rt } = run;
  const niches = expand.expansion.niches.filter((n): n is InferredNiche => (inferredNiches as readonly string[]).includes(n));
  if (niches.length === 0 || expand.filters.niches !== undefined) return null;
  try {
    return await deps.providers.index.hybridSearch(
      {
        text: expand.expansion.queries[0]!,
        filters: { ...expand.filters, niches },
        limit: params.candidateLimit,
        excludeKeys: params.excludeKeys,
      },
      rt.call,
    );
  } catch (err) {
    if (err instanceof IndexNichesMissingError) return null;
    throw err;
  }
}

async function reloadCandidates(run: StageRun, saved: CandidateSummary[]): Promise<Candidate[]> {
  const creators = await run.deps.providers.index.get(saved.map((s) => s.key), run.rt.call);
  const byKey = new Map(creators.map((c) => [c.key, c]));
  return saved.flatMap((s) => {
    const creator = byKey.get(s.key);
    return creator ? [{ creator, score: s.search_score, queries: s.matched_queries }] : [];
  });
}
