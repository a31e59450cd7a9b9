import { inferredNiches } from '../domain/creator.js';
import { fuseRankings } from '../domain/rank-fusion.js';
import type { CreatorKey, SearchHit } from '../domain/creator.js';
import { loadSeeds, resemblances, searchSeedLegs } from '../services/lookalike.service.js';
import type { Resemblance } from '../services/lookalike.service.js';
import { forEachConcurrent } from '../domain/concurrency.js';
import type { ExpandOutput } from './expand.stage.js';
import type { Candidate, StageRun } from './stage-run.js';

const QUERY_CONCURRENCY = 4;
/** how much a creator's inferred probability for the brief's niches multiplies its fused score (see boostBriefNiches) */
const NICHE_BOOST = 2;

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
  /** fused relevance (reciprocal rank fusion), times the niche boost when the brief names niches */
  search_score: number;
  /** indexes into the expansion's queries */
  matched_queries: number[];
  /** lookalike jobs: the seed this creator is nearest to, and what they share */
  resembles?: Resemblance;
}

/**
 * Merges the hit lists of several queries into one candidate list: reciprocal rank fusion across
 * queries, de-duplicated by key, excluded keys removed, at most `limit`.
 */
export function fuseHits(lists: SearchHit[][], excludeKeys: readonly CreatorKey[], limit: number): Candidate[] {
  const excluded = new Set<string>(excludeKeys);
  // ranks count before exclusion: an excluded creator still took its place in the query's list
  return fuseRankings(lists, (hit) => hit.creator.key, { tieBreak: byCreatorKey })
    .filter((f) => !excluded.has(f.key))
    .slice(0, Math.max(0, limit))
    .map((f) => ({ creator: f.item.creator, score: f.score, queries: f.lists }));
}

const byCreatorKey = (a: SearchHit, b: SearchHit) => a.creator.key.localeCompare(b.creator.key);

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
    ...(c.resembles ? { resembles: c.resembles } : {}),
  }));
}

/**
 * Hybrid search per query with the job's hard filters applied in the index, fused into at most
 * `candidate_limit` candidates; writes the `candidates` artifact. A lookalike job adds one
 * vector-only leg per seed and one for their centroid, leaves the seeds out and records which
 * seed each candidate is nearest to. A re-run keeps the candidates a previous attempt already
 * showed the client (re-read from the index).
 */
export async function runSearchStage(run: StageRun, expand: ExpandOutput): Promise<Candidate[]> {
  const { deps, params, runtime } = run;
  const saved = await deps.repos.artifacts.get<CandidateSummary[]>(runtime.jobId, 'candidates');
  if (saved) return reloadCandidates(run, saved.data);

  const index = deps.providers.index;
  const queries = expand.expansion.queries;
  const lists: SearchHit[][] = new Array(queries.length);
  const seeds = params.similarTo ? (await loadSeeds(index, params.similarTo, runtime.call)).seeds : [];
  const excludeKeys = [...new Set([...params.excludeKeys, ...(params.similarTo ?? [])])];
  await forEachConcurrent(queries, QUERY_CONCURRENCY, async (text, i) => {
    lists[i] = await index.hybridSearch({ text, filters: expand.filters, limit: params.candidateLimit, excludeKeys }, runtime.call);
  });
  if (seeds.length > 0) {
    lists.push(...(await searchSeedLegs(index, seeds, { filters: expand.filters, limit: params.candidateLimit, excludeKeys }, runtime.call)));
  }
  // every creator any query found is a candidate until the niche boost has had its say
  const pool = fuseHits(lists, excludeKeys, Number.MAX_SAFE_INTEGER).map((c) => ({ ...c, queries: c.queries.filter((q) => q < queries.length) }));
  const nicheFiltered = expand.filters.niches !== undefined;
  let candidates = (nicheFiltered ? pool : boostBriefNiches(pool, expand.expansion.niches)).slice(0, params.candidateLimit);
  if (seeds.length > 0) {
    const near = await resemblances(index, seeds, candidates.map((c) => c.creator), runtime.call);
    candidates = candidates.map((c) => {
      const r = near.get(c.creator.key);
      return r ? { ...c, resembles: r } : c;
    });
  }
  await deps.repos.artifacts.put(runtime.jobId, 'candidates', summariseCandidates(candidates));
  return candidates;
}

/**
 * The niche boost: every creator found by the query legs has its fused score multiplied by
 * 1 + NICHE_BOOST × p, p its inferred probability (import-time classifier) for the niches the
 * brief asks for, before the candidate list is cut to `candidate_limit`. Creators of the right
 * niche that the words alone ranked lower move up; nobody is dropped for lacking a niche. No
 * boost when the brief names no inferred niche or the job already filters by niches.
 */
export function boostBriefNiches(candidates: Candidate[], briefNiches: readonly string[]): Candidate[] {
  const niches = briefNiches.filter((n) => (inferredNiches as readonly string[]).includes(n));
  if (niches.length === 0) return candidates;
  const p = (c: Candidate) => Math.max(0, ...(c.creator.niches ?? []).filter((s) => niches.includes(s.niche)).map((s) => s.p));
  return candidates
    .map((c) => ({ c, score: c.score * (1 + NICHE_BOOST * p(c)) }))
    .sort((a, b) => b.score - a.score || a.c.creator.key.localeCompare(b.c.creator.key))
    .map(({ c, score }) => ({ ...c, score }));
}

async function reloadCandidates(run: StageRun, saved: CandidateSummary[]): Promise<Candidate[]> {
  const creators = await run.deps.providers.index.get(saved.map((s) => s.key), run.runtime.call);
  const byKey = new Map(creators.map((c) => [c.key, c]));
  return saved.flatMap((s) => {
    const creator = byKey.get(s.key);
    return creator ? [{ creator, score: s.search_score, queries: s.matched_queries, ...(s.resembles ? { resembles: s.resembles } : {}) }] : [];
  });
}
