import { z } from 'zod';
import { observedAtBases, platforms } from '../domain/creator.js';
import { JOB_ID_PATTERN } from '../domain/ids.js';
import {
  eventTypes,
  filtersSchema,
  startJobSchema,
  jobStatuses,
  publicArtifactKinds,
  stages,
} from '../domain/job.js';
import type { RankedResult } from '../domain/job.js';
import type { JobView } from '../presenters/job-view.js';
import { IDEMPOTENCY_KEY_MAX } from '../stores/idempotency.store.js';
import { parameterComponents, requestComponent, responseComponent } from './openapi/components.js';

/**
 * HTTP-only schemas shared by several routes: the job-id parameter and every response body.
 * Responses are typed by them (a mismatch fails to compile) and the OpenAPI document is generated
 * from them. A request schema used by one route lives beside that route.
 */

export { JOB_ID_PATTERN };

const isoDate = z.iso.datetime();

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    request_id: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    job_id: z.string().optional(),
  })
  .meta({ description: 'RFC 9457 problem details' });

export const jobLinksSchema = z
  .object({ self: z.string(), results: z.string(), events: z.string(), cancel: z.string(), artifacts: z.string() })
  ;

export const startJobResponseSchema = z
  .object({ job_id: z.string(), status: z.enum(jobStatuses), created_at: isoDate, links: jobLinksSchema })
  ;

export const jobMetaSchema = z
  .object({
    candidates: z.number().int(),
    enriched: z.number().int(),
    scored: z.number().int(),
    cache_hits: z.number().int(),
    cost_usd: z.number(),
    fallback_batches: z.number().int().optional(),
    stale_profiles: z.number().int().optional(),
  })
  ;

export const jobViewSchema = z
  .object({
    job_id: z.string(),
    status: z.enum(jobStatuses),
    stage: z.enum(stages).nullable(),
    progress: z.number().min(0).max(1),
    cancel_requested: z.boolean(),
    meta: jobMetaSchema,
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
    request: z.object({
      brief: z.string(),
      similar_to: z.array(z.string()).optional().meta({ description: 'the seed creators of a lookalike job' }),
      platforms: z.array(z.enum(platforms)).nullable(),
      filters: z.record(z.string(), z.unknown()),
      top_k: z.number().int(),
      candidate_limit: z.number().int(),
      min_fit_score: z.number().int(),
      exclude_handles: z.array(z.string()),
      webhook_url: z.string().nullable(),
    }),
    last_event_id: z.number().int(),
    created_at: isoDate,
    updated_at: isoDate,
    started_at: isoDate.nullable(),
    finished_at: isoDate.nullable(),
    links: jobLinksSchema,
  })
  ;

export const scoreBreakdownSchema = z
  .object({
    niche: z.number().int().min(0).meta({ description: "how much the creator is about the brief's audience niches (≤ 72)" }),
    topics: z.number().int().min(0).meta({ description: "the brief's own topic words in the creator's posts (≤ 8; ≤ 48 when the brief names no niche)" }),
    audience: z.number().int().min(0).meta({ description: 'follower band and hard filters met (≤ 8)' }),
    engagement: z.number().int().min(0).meta({ description: 'engagement rate against creators of the same size (≤ 9)' }),
    freshness: z.number().int().min(0).meta({ description: 'how current the profile data is (≤ 3)' }),
  })
  ;

export const matchQualitySchema = z
  .object({
    level: z.enum(['strong', 'weak', 'none']),
    reason: z.string(),
  })
  .meta({ description: 'how well the brief could be matched; weak or none also comes as a warning event' });

export const rankedResultSchema = z
  .object({
    rank: z.number().int().min(1),
    platform: z.enum(platforms),
    handle: z.string(),
    display_name: z.string().nullable(),
    profile_url: z.string(),
    fit_score: z.number().min(0).max(100),
    score_breakdown: scoreBreakdownSchema.nullable().meta({
      description: 'the parts of fit_score, adding up to it (see the API guide); null on results stored before breakdowns existed',
    }),
    rationale: z.string(),
    matched_topics: z.array(z.string()),
    followers: z.number().nullable(),
    engagement_rate: z.number().nullable(),
    country: z.string().nullable(),
    language: z.string().nullable(),
    data_source: z.enum(['index', 'brightdata', 'cache']),
    stale: z.boolean().meta({ description: 'observed_at is older than PROFILE_MAX_AGE_DAYS (default 180), whatever data_source is' }),
    observed_at: isoDate.optional().meta({
      description: 'when the data describes the creator: the latest post date, a date the source states, the live fetch, or only the write time (see observed_at_basis); absent on results stored before it existed',
    }),
    observed_at_basis: z.enum(observedAtBases).optional().meta({
      description: 'what observed_at rests on: posts, source (a date the data set or row states), fetch (a live profile) or import (the write time: the source said nothing)',
    }),
    fetched_at: isoDate.meta({ description: 'when the service got this data: the import or API write, the live fetch or the cache entry' }),
    score_fallback: z.boolean(),
    niches: z
      .array(z.object({ niche: z.string(), p: z.number().min(0).max(1) }))
      .meta({ description: 'niche probabilities inferred at import from the creator\'s own text, highest first (those ≥ 0.05)' }),
  })
  ;

export const resultsResponseSchema = z
  .object({
    job_id: z.string(),
    status: z.literal('completed'),
    count: z.number().int(),
    match_quality: matchQualitySchema.nullable().meta({ description: 'null for jobs finished before match quality existed' }),
    results: z.array(rankedResultSchema),
  })
  ;

export const artifactResponseSchema = z
  .object({
    job_id: z.string(),
    kind: z.enum(publicArtifactKinds),
    updated_at: isoDate,
    data: z.unknown().meta({ description: 'the artifact as the pipeline wrote it' }),
  })
  ;

export const jobEventSchema = z
  .object({ seq: z.number().int().min(1), type: z.enum(eventTypes), created_at: isoDate, data: z.record(z.string(), z.unknown()) })
  .meta({ description: 'In SSE: `id` is `seq`, `event` is `type`, `data` is this object as JSON.' });

export const eventsBatchSchema = z
  .object({
    job_id: z.string(),
    status: z.enum(jobStatuses),
    events: z.array(jobEventSchema),
    next_after: z.number().int().meta({ description: 'pass as `after` to get the next page' }),
    has_more: z.boolean(),
  })
  ;

export const searchResultSchema = z
  .object({
    platform: z.enum(platforms),
    handle: z.string(),
    display_name: z.string().nullable(),
    profile_url: z.string(),
    score: z.number(),
    followers: z.number().nullable(),
    engagement_rate: z.number().nullable(),
    country: z.string().nullable(),
    language: z.string().nullable(),
    verified: z.boolean(),
    categories: z.array(z.string()),
    niches: z
      .array(z.object({ niche: z.string(), p: z.number().min(0).max(1) }))
      .meta({ description: 'niche probabilities inferred at import, highest first (those ≥ 0.05)' }),
    topics: z.array(z.string()),
    bio: z.string(),
    observed_at: isoDate.meta({ description: 'when the data describes the creator (see observed_at_basis); as on job results' }),
    observed_at_basis: z.enum(observedAtBases),
    stale: z.boolean().meta({ description: 'observed_at is older than PROFILE_MAX_AGE_DAYS (default 180)' }),
  })
  ;

export const searchResponseSchema = z
  .object({ query: z.string(), backend: z.string(), count: z.number().int(), results: z.array(searchResultSchema) })
  ;

const componentSchema = z.object({
  status: z.enum(['up', 'down']),
  latency_ms: z.number(),
  error: z.string().optional(),
});

export const healthResponseSchema = z
  .object({
    status: z
      .enum(['ok', 'degraded', 'unavailable'])
      .describe('degraded: everything answers, but jobs will fail until an operator acts (the index was built by another embedder)'),
    // The rest only for operators (X-Admin-Key or a METRICS_ALLOW peer): it describes the deployment.
    version: z.string().optional(),
    uptime_s: z.number().optional(),
    components: z.object({
      postgres: componentSchema,
      redis: componentSchema,
      index: componentSchema.extend({
        backend: z.string(),
        count: z.number().int().nullable(),
        embedder: z.string().nullable(),
        dimension: z.number().int().nullable(),
        /** set when the index was built by another embedder than the configured one */
        mismatch: z
          .object({ configured_embedder: z.string(), fix: z.string() })
          .optional()
          .describe('the index was built by another embedder than the configured one; jobs fail with index_mismatch until it is rebuilt'),
      }),
    }).optional(),
  })
  ;

// Compile-time agreement between the documented shapes and what the code produces.
type Assert<T extends true> = T;
export type _JobViewMatches = Assert<JobView extends z.input<typeof jobViewSchema> ? true : false>;
export type _RankedResultMatches = Assert<RankedResult extends z.input<typeof rankedResultSchema> ? true : false>;

// ——— Named in the OpenAPI document, each with an example (a test parses every example with its schema) ———

/** `{jobId}`: a malformed id is answered like an unknown one (404), so the pattern is documentation. */
export const jobIdParam = z.string().regex(JOB_ID_PATTERN);
parameterComponents.add(jobIdParam, { id: 'JobId', name: 'jobId', in: 'path' });
export const idempotencyKeyHeader = z.string().min(1).max(IDEMPOTENCY_KEY_MAX);
parameterComponents.add(idempotencyKeyHeader, {
  id: 'IdempotencyKey',
  name: 'Idempotency-Key',
  in: 'header',
  description: 'any unique string (a UUID is ideal), kept 24 h per API key',
});

const exampleJobId = 'job_01jd8k3q9x2m7p';
const exampleTime = '2026-12-01T09:30:00.000Z';
const exampleFilters = { followers_min: 10_000, followers_max: 500_000, countries: ['US'], languages: ['en'] };

requestComponent('Filters', filtersSchema, exampleFilters);
export const exampleStartJobRequest = {
  brief: 'Vegan protein bar launch for US gym-goers; we want fitness creators who post recipes.',
  platforms: ['instagram', 'tiktok'] as ('instagram' | 'tiktok')[],
  filters: exampleFilters,
  top_k: 10,
};
requestComponent('StartJobRequest', startJobSchema, exampleStartJobRequest);

const exampleProblem = {
  type: 'https://influencer-scout.dev/problems/validation_failed',
  title: 'Unprocessable Content',
  status: 422,
  detail: 'invalid body: brief: Too small: expected string to have >=10 characters',
  code: 'validation_failed',
  request_id: 'req_7f3a9c',
  errors: [{ field: 'brief', message: 'Too small: expected string to have >=10 characters' }],
};
responseComponent('Problem', problemSchema, exampleProblem);
const self = `/pipeline/jobs/${exampleJobId}`;
const exampleLinks = { self, results: `${self}/results`, events: `${self}/events`, cancel: `${self}/cancel`, artifacts: `${self}/artifacts/{kind}` };
responseComponent('JobLinks', jobLinksSchema, exampleLinks);
export const exampleStartJobResponse = { job_id: exampleJobId, status: 'pending' as const, created_at: exampleTime, links: exampleLinks };
responseComponent('StartJobResponse', startJobResponseSchema, exampleStartJobResponse);
const exampleMeta = { candidates: 150, enriched: 150, scored: 150, cache_hits: 42, cost_usd: 0.0184 };
responseComponent('JobMeta', jobMetaSchema, exampleMeta);
export const exampleJob = {
  job_id: exampleJobId,
  status: 'running' as const,
  stage: 'score' as const,
  progress: 0.6,
  cancel_requested: false,
  meta: exampleMeta,
  error: null,
  request: {
    brief: exampleStartJobRequest.brief,
    platforms: exampleStartJobRequest.platforms,
    filters: exampleFilters,
    top_k: 10,
    candidate_limit: 150,
    min_fit_score: 35,
    exclude_handles: [],
    webhook_url: null,
  },
  last_event_id: 7,
  created_at: exampleTime,
  updated_at: '2026-12-01T09:30:04.210Z',
  started_at: '2026-12-01T09:30:00.120Z',
  finished_at: null,
  links: exampleLinks,
};
responseComponent('Job', jobViewSchema, exampleJob);
const exampleRanked = {
  rank: 1,
  platform: 'instagram' as const,
  handle: 'plantpowered.lifts',
  display_name: 'Maya | Plant-Powered Lifts',
  profile_url: 'https://www.instagram.com/plantpowered.lifts/',
  fit_score: 87,
  score_breakdown: { niche: 54, topics: 16, audience: 8, engagement: 7, freshness: 2 },
  rationale: 'Strength-training coach who posts high-protein vegan recipes to a US audience.',
  matched_topics: ['vegan', 'protein', 'gym'],
  followers: 84_200,
  engagement_rate: 0.041,
  country: 'US',
  language: 'en',
  data_source: 'index' as const,
  stale: false,
  fetched_at: '2026-11-28T14:02:00.000Z',
  score_fallback: false,
  niches: [{ niche: 'fitness', p: 0.81 }, { niche: 'food', p: 0.17 }],
};
responseComponent('RankedResult', rankedResultSchema, exampleRanked);
export const exampleResults = {
  job_id: exampleJobId,
  status: 'completed' as const,
  count: 1,
  match_quality: { level: 'strong' as const, reason: '10 creators reached the relevance floor' },
  results: [exampleRanked],
};
responseComponent('JobResults', resultsResponseSchema, exampleResults);
export const exampleArtifact = {
  job_id: exampleJobId,
  kind: 'timing' as const,
  updated_at: exampleTime,
  data: { expand: { ms: 812 }, search: { ms: 143, count: 150 } },
};
responseComponent('Artifact', artifactResponseSchema, exampleArtifact);
const exampleEvent = { seq: 3, type: 'stage_started' as const, created_at: exampleTime, data: { stage: 'enrich' } };
responseComponent('JobEvent', jobEventSchema, exampleEvent);
export const exampleEventsBatch = { job_id: exampleJobId, status: 'running' as const, events: [exampleEvent], next_after: 3, has_more: false };
responseComponent('JobEventsBatch', eventsBatchSchema, exampleEventsBatch);
export const exampleSearchResult = {
  platform: 'tiktok' as const,
  handle: 'veganbulk',
  display_name: 'Vegan Bulk',
  profile_url: 'https://www.tiktok.com/@veganbulk',
  score: 0.82,
  followers: 120_000,
  engagement_rate: 0.056,
  country: 'US',
  language: 'en',
  verified: false,
  categories: ['Fitness'],
  niches: [{ niche: 'fitness', p: 0.74 }],
  topics: ['vegan', 'bulking', 'meal prep'],
  bio: 'High-protein vegan meals for lifters.',
  observed_at: '2026-11-20T00:00:00.000Z',
  observed_at_basis: 'posts' as const,
  stale: false,
};
responseComponent('SearchResult', searchResultSchema, exampleSearchResult);
export const exampleSearchResponse = { query: 'vegan fitness recipes', backend: 'lancedb', count: 1, results: [exampleSearchResult] };
responseComponent('SearchResponse', searchResponseSchema, exampleSearchResponse);
export const exampleHealth = {
  status: 'ok' as const,
  version: '0.1.0',
  uptime_s: 3600,
  components: {
    postgres: { status: 'up' as const, latency_ms: 2 },
    redis: { status: 'up' as const, latency_ms: 1 },
    index: { status: 'up' as const, latency_ms: 4, backend: 'lancedb', count: 23_052, embedder: 'wordvec-100', dimension: 100 },
  },
};
responseComponent('Health', healthResponseSchema, exampleHealth);
