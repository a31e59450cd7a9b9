import type { Response } from 'express';
import { z } from 'zod';
import { platforms } from '../../domain/creator.js';
import type { Creator } from '../../domain/creator.js';
import { isStale } from '../../domain/creator.js';
import { filtersSchema, toHardFilters } from '../../domain/job.js';
import { AppError } from '../../errors.js';
import { IndexEmbedderMismatchError, IndexNichesMissingError } from '../../providers/search-index/creator-index.js';
import { ProviderError } from '../../errors.js';
import { requestComponent } from '../openapi/components.js';
import { defineRoute, problem } from '../route.js';
import { exampleSearchResponse, searchResponseSchema } from '../schemas.js';

export const SEARCH_QUERY_MAX = 500;
export const SEARCH_LIMIT_MAX = 100;

export const searchRequestSchema = requestComponent(
  'SearchRequest',
  z.strictObject({
    query: z.string().trim().min(1).max(SEARCH_QUERY_MAX),
    limit: z.number().int().min(1).max(SEARCH_LIMIT_MAX).default(25),
    platforms: z.array(z.enum(platforms)).min(1).max(platforms.length).optional(),
    filters: filtersSchema.optional(),
  }),
  { query: 'vegan fitness recipes', limit: 10, platforms: ['instagram', 'tiktok'], filters: { countries: ['US'] } },
);
export type SearchRequest = z.output<typeof searchRequestSchema>;

const BIO_MAX = 500;
const LIST_MAX = 20;

/**
 * POST /weaviate/search — the seed's path, served by whichever index is configured. Returns
 * normalized creators only (never backend objects), with hard caps on the query and the result.
 */
export const searchCreators = defineRoute({
  method: 'post',
  path: '/weaviate/search',
  operationId: 'searchCreators',
  tags: ['search'],
  summary: 'Hybrid search over the creator index',
  description: 'Normalized creators from the configured index (Weaviate or LanceDB), at most 100.',
  auth: 'apiKey',
  rate: 'default',
  body: searchRequestSchema,
  responses: {
    200: { description: 'matching creators', body: searchResponseSchema },
    400: problem('malformed JSON'),
    413: problem('body too large'),
    415: problem('body is not JSON'),
    422: problem('invalid field'),
    503: problem('search backend unavailable'),
  },
  example: { body: { query: 'vegan fitness recipes', limit: 10 }, response: exampleSearchResponse },
  handler: ({ ctx }) => async (_req, res, input) => {
    const request = input.body;
    const hits = await indexAnswer(res, () =>
      ctx.providers.index.hybridSearch(
        { text: request.query, filters: toHardFilters(request.filters, request.platforms), limit: request.limit },
        { jobId: null, signal: AbortSignal.timeout(ctx.config.providers.timeoutMs) },
      ),
    );
    const results = hits.slice(0, request.limit).map(({ creator, score }) => searchResultView(creator, score, ctx.config.profiles.maxAgeDays));
    const payload: z.input<typeof searchResponseSchema> = {
      query: request.query,
      backend: ctx.providers.index.backend,
      count: results.length,
      results,
    };
    res.json(payload);
  },
});

/** An index call answered for a client: backend faults are a 503, a niche filter on an old index a 422. */
export async function indexAnswer<T>(res: Response, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ProviderError || err instanceof IndexEmbedderMismatchError || (err as Error).name === 'TimeoutError') {
      res.locals.log.error({ err }, 'search backend failed');
      throw new AppError('service_unavailable', 'the search backend is unavailable right now; retry shortly', { retryAfterSeconds: 5 });
    }
    if (err instanceof IndexNichesMissingError) {
      throw new AppError('validation_failed', err.message, { errors: [{ field: 'filters.niches', message: err.message }] });
    }
    throw err;
  }
}

/** A creator as search results show it: normalized fields, lists and bio capped. */
/** A creator as the synchronous searches return it; `stale` as on job results (PROFILE_MAX_AGE_DAYS). */
export function searchResultView(c: Creator, score: number, maxAgeDays: number) {
  return {
    platform: c.platform,
    handle: c.handle,
    display_name: c.displayName,
    profile_url: c.profileUrl,
    score,
    followers: c.followers,
    engagement_rate: c.engagementRate,
    country: c.country,
    language: c.language,
    verified: c.verified,
    categories: c.categories.slice(0, LIST_MAX),
    niches: c.niches ?? [],
    topics: c.topics.slice(0, LIST_MAX),
    bio: c.bio.length > BIO_MAX ? `${c.bio.slice(0, BIO_MAX - 1)}…` : c.bio,
    observed_at: c.observedAt,
    observed_at_basis: c.observedAtBasis,
    stale: isStale(c.observedAt, maxAgeDays),
  };
}
