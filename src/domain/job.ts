import { z } from 'zod';
import { inferredNiches, NICHE_FILTER_MIN_P, platforms, parseCreatorKey } from './creator.js';
import type { CreatorKey, HardFilters, NicheScore, ObservedAtBasis, Platform } from './creator.js';
import type { DataSource } from './profile.js';

export const jobStatuses = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const terminalStatuses: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export const isTerminal = (s: JobStatus) => terminalStatuses.includes(s);

export const stages = ['expand', 'search', 'enrich', 'score', 'rank'] as const;
export type Stage = (typeof stages)[number];

export const eventTypes = [
  'stage_started',
  'stage_completed',
  'progress',
  'partial_results',
  'warning',
  'completed',
  'failed',
  'cancelled',
] as const;
export type EventType = (typeof eventTypes)[number];
export const terminalEventTypes: readonly EventType[] = ['completed', 'failed', 'cancelled'];

/** Artifacts clients may read; `final` is served by /results. */
export const publicArtifactKinds = ['candidates', 'progressive', 'remaining', 'timing'] as const;
/** `final` and `match` (the match quality) are served by /results; `expansion` and `scores` (all fit scores so far) let a re-run resume. */
export const artifactKinds = [...publicArtifactKinds, 'final', 'expansion', 'scores', 'match'] as const;
export type ArtifactKind = (typeof artifactKinds)[number];

export const LIMITS = {
  briefMin: 10,
  briefMax: 4000,
  topKMax: 100,
  candidateLimitMax: 500,
  /** default relevance floor: results below this fit score are left out (see docs/api.md) */
  minFitScoreDefault: 35,
  excludeMax: 500,
  countriesMax: 50,
  languagesMax: 20,
  /** seed creators of a lookalike job or search */
  seedsMax: 10,
} as const;

const countryCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code such as "US"')
  .transform((s) => s.toUpperCase());
const languageCode = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 639-1 language code such as "en"')
  .transform((s) => s.toLowerCase());

export const filtersSchema = z
  .strictObject({
    followers_min: z.number().int().min(0).max(5_000_000_000).optional(),
    followers_max: z.number().int().min(0).max(5_000_000_000).optional(),
    countries: z.array(countryCode).min(1).max(LIMITS.countriesMax).optional(),
    languages: z.array(languageCode).min(1).max(LIMITS.languagesMax).optional(),
    min_engagement_rate: z.number().min(0).max(1).optional(),
    include_unknown: z
      .boolean()
      .optional()
      .meta({ description: 'keep creators whose country or language is unknown when filtering by countries or languages (by default they are left out)' }),
    niches: z
      .array(z.enum(inferredNiches))
      .min(1)
      .max(inferredNiches.length)
      .optional()
      .meta({
        description: `creators whose inferred probability for at least one of these niches is ≥ ${NICHE_FILTER_MIN_P}`,
      }),
  })
  .refine((f) => f.followers_min === undefined || f.followers_max === undefined || f.followers_min <= f.followers_max, {
    message: 'followers_min must not be greater than followers_max',
    path: ['followers_min'],
  });

export const creatorKeyString = z.string().refine((s) => parseCreatorKey(s) !== null, {
  message: 'must look like "platform:handle", e.g. "instagram:foo"',
});

/** Body of POST /pipeline/start. Unknown fields are rejected. */
export const startJobSchema = z.strictObject({
  brief: z
    .string()
    .trim()
    .min(LIMITS.briefMin)
    .max(LIMITS.briefMax)
    .optional()
    .meta({ description: 'what the campaign wants; required unless similar_to names seed creators' }),
  similar_to: z
    .array(creatorKeyString)
    .min(1)
    .max(LIMITS.seedsMax)
    .optional()
    .meta({
      description:
        'lookalike search: seed creators ("platform:handle") in the index whose lookalikes are wanted, alone or with a brief; ' +
        'the seeds themselves are never results; unknown seeds are refused (422) by name',
    }),
  platforms: z.array(z.enum(platforms)).min(1).max(platforms.length).optional(),
  filters: filtersSchema.optional(),
  top_k: z.number().int().min(1).max(LIMITS.topKMax).default(25).meta({ description: 'the most results to return; fewer come back when fewer creators reach min_fit_score' }),
  candidate_limit: z.number().int().min(1).max(LIMITS.candidateLimitMax).default(150),
  min_fit_score: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(LIMITS.minFitScoreDefault)
    .meta({ description: `relevance floor: results with a lower fit_score are left out rather than padding top_k (default ${LIMITS.minFitScoreDefault}; 0 keeps every scored candidate)` }),
  exclude_handles: z.array(creatorKeyString).max(LIMITS.excludeMax).optional(),
  webhook_url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
}).refine((r) => r.brief !== undefined || r.similar_to !== undefined, {
  message: 'a brief is required unless similar_to names seed creators',
  path: ['brief'],
});
export type StartJobRequest = z.output<typeof startJobSchema>;

/** What the worker needs to run a job; stored in pipeline_jobs.params. */
export interface JobParams {
  /** empty for a lookalike job started from seeds alone */
  brief: string;
  /** lookalike job: the seed creators, found in the index when the job was accepted */
  similarTo?: CreatorKey[];
  platforms: Platform[] | null;
  filters: HardFilters;
  topK: number;
  candidateLimit: number;
  /** relevance floor (0–100); absent on jobs stored before the floor existed, which means 0 */
  minFitScore?: number;
  excludeKeys: CreatorKey[];
  webhookUrl: string | null;
}

/** The API's snake_case `filters` (and `platforms`) as the index's HardFilters — the one place that maps them. */
export function toHardFilters(f: z.output<typeof filtersSchema> | undefined, platformList: Platform[] | undefined): HardFilters {
  const filters: HardFilters = {};
  if (platformList) filters.platforms = platformList;
  if (f?.followers_min !== undefined) filters.followersMin = f.followers_min;
  if (f?.followers_max !== undefined) filters.followersMax = f.followers_max;
  if (f?.countries) filters.countries = f.countries;
  if (f?.languages) filters.languages = f.languages;
  if (f?.min_engagement_rate !== undefined) filters.minEngagementRate = f.min_engagement_rate;
  if (f?.include_unknown) filters.includeUnknown = true;
  if (f?.niches) filters.niches = [...new Set(f.niches)];
  return filters;
}

export function toJobParams(req: StartJobRequest): JobParams {
  return {
    brief: req.brief ?? '',
    ...(req.similar_to ? { similarTo: keysOf(req.similar_to) } : {}),
    platforms: req.platforms ?? null,
    filters: toHardFilters(req.filters, req.platforms),
    topK: req.top_k,
    candidateLimit: Math.max(req.candidate_limit, req.top_k),
    minFitScore: req.min_fit_score,
    excludeKeys: keysOf(req.exclude_handles ?? []),
    webhookUrl: req.webhook_url ?? null,
  };
}

/** Validated "platform:handle" strings as normalised creator keys, first occurrence kept. */
export function keysOf(list: readonly string[]): CreatorKey[] {
  const keys = list.map((s) => {
    const p = parseCreatorKey(s)!;
    return `${p.platform}:${p.handle}` as CreatorKey;
  });
  return [...new Set(keys)];
}

export interface JobMeta {
  candidates: number;
  enriched: number;
  scored: number;
  cache_hits: number;
  cost_usd: number;
  /** batches whose LLM scoring fell back to the rule-based scorer */
  fallback_batches?: number;
  /** profiles whose fresh fetch failed, so index data stands in */
  stale_profiles?: number;
}

export const emptyMeta = (): JobMeta => ({ candidates: 0, enriched: 0, scored: 0, cache_hits: 0, cost_usd: 0 });

/** The LLM's reading of a brief. */
export interface BriefExpansion {
  /** search queries to run against the index (the first is the brief itself, condensed) */
  queries: string[];
  /** niche labels (e.g. "fitness") and topic words (e.g. "protein", "gym") */
  niches: string[];
  topics: string[];
  /** filters inferred from the brief text; explicit request filters win over these */
  filters: HardFilters;
  /**
   * who should promote what the brief sells: niches weighted 0–1 (1 = primary), strongest first
   * ("protein powder" → fitness 1, food 0.3); absent on expansions stored before it existed
   */
  audience?: AudienceNiche[];
  /** what the brief rules out ("no fitness or travel accounts", "not alcohol") */
  exclusions?: { niches: string[]; terms: string[] };
  /** soft preferences read from modifiers ("men's" → menswear), scored as topic evidence */
  preferences?: string[];
  /** parts of the brief that could not be applied to the data, said as warnings */
  notes?: string[];
  /** true when the LLM failed and the rule-based expansion stands in */
  fallback?: boolean;
}

export interface AudienceNiche {
  niche: string;
  weight: number;
}

/**
 * The parts of a fit score, in points; they add up to the score. `niche`: how much the creator is
 * about the brief's audience niches; `topics`: the brief's own words found in the creator's text;
 * `audience`: follower band and hard filters met; `engagement`: engagement against the creator's
 * size tier; `freshness`: how current the profile data is.
 */
export interface ScoreBreakdown {
  niche: number;
  topics: number;
  audience: number;
  engagement: number;
  freshness: number;
}

export const scoreParts = ['niche', 'topics', 'audience', 'engagement', 'freshness'] as const satisfies readonly (keyof ScoreBreakdown)[];

/** How well the brief could be matched at all: said on the job's results and as a warning event. */
export interface MatchQuality {
  level: 'strong' | 'weak' | 'none';
  reason: string;
}

export interface FitScore {
  key: CreatorKey;
  /** 0–100 */
  score: number;
  rationale: string;
  matchedTopics: string[];
  /** the parts of `score`; absent on scores stored before breakdowns existed */
  breakdown?: ScoreBreakdown;
  /** true when this score came from the rule-based fallback after the LLM failed */
  fallback?: boolean;
}

/** One row of GET /pipeline/jobs/:id/results and of the progressive artifact. */
export interface RankedResult {
  rank: number;
  platform: Platform;
  handle: string;
  display_name: string | null;
  profile_url: string;
  fit_score: number;
  /** the parts of fit_score, adding up to it; null on results stored before breakdowns existed */
  score_breakdown: ScoreBreakdown | null;
  rationale: string;
  matched_topics: string[];
  followers: number | null;
  engagement_rate: number | null;
  country: string | null;
  language: string | null;
  data_source: DataSource;
  /** observed_at older than PROFILE_MAX_AGE_DAYS */
  stale: boolean;
  /** when the data describes the creator; absent on results stored before it existed */
  observed_at?: string;
  observed_at_basis?: ObservedAtBasis;
  /** when the service got this data (the import or API write, the live fetch, the cache entry) */
  fetched_at: string;
  score_fallback: boolean;
  /** niche probabilities inferred at import from the creator's own text (empty on older indexes) */
  niches: NicheScore[];
}
