import { z } from 'zod';
import { platforms } from '../domain/creator.js';
import {
  eventTypes,
  filtersSchema,
  jobStatuses,
  publicArtifactKinds,
  stages,
} from '../domain/job.js';
import type { RankedResult } from '../domain/job.js';
import type { JobView } from '../services/job-view.js';

/**
 * HTTP-only schemas: path/query parameters, the search body, and every response body. Requests
 * are validated with them; responses are typed by them (a mismatch fails to compile) and the
 * OpenAPI document is generated from them.
 */

export const JOB_ID_PATTERN = /^job_[a-z0-9]{1,64}$/;
export const SEARCH_QUERY_MAX = 500;
export const SEARCH_LIMIT_MAX = 100;
export const EVENTS_LIMIT_MAX = 500;

export const eventsQuerySchema = z.strictObject({
  format: z.enum(['json', 'sse']).optional(),
  after: z.coerce.number().int().min(0).max(2_147_483_647).optional(),
  limit: z.coerce.number().int().min(1).max(EVENTS_LIMIT_MAX).default(100),
});

export const searchRequestSchema = z.strictObject({
  query: z.string().trim().min(1).max(SEARCH_QUERY_MAX),
  limit: z.number().int().min(1).max(SEARCH_LIMIT_MAX).default(25),
  platforms: z.array(z.enum(platforms)).min(1).max(platforms.length).optional(),
  filters: filtersSchema.optional(),
});
export type SearchRequest = z.output<typeof searchRequestSchema>;

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
    niche: z.number().int().min(0).meta({ description: "how much the creator is about the brief's audience niches (≤ 60)" }),
    topics: z.number().int().min(0).meta({ description: "the brief's own topic words in the creator's posts (≤ 20; ≤ 48 when the brief names no niche)" }),
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
    stale: z.boolean(),
    fetched_at: isoDate,
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
