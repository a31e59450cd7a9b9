import { z } from 'zod';
import { platforms } from '../../domain/creator.js';
import { creatorKeyString, filtersSchema, keysOf, LIMITS, toHardFilters } from '../../domain/job.js';
import { assertSeedsIndexed, findSimilar, loadSeeds } from '../../services/lookalike.service.js';
import { requestComponent, responseComponent } from '../openapi/components.js';
import { defineRoute, problem } from '../route.js';
import { exampleSearchResult, searchResultSchema } from '../schemas.js';
import { indexAnswer, SEARCH_LIMIT_MAX, searchResultView } from './search.routes.js';

export const similarRequestSchema = requestComponent(
  'SimilarRequest',
  z.strictObject({
    similar_to: z.array(creatorKeyString).min(1).max(LIMITS.seedsMax),
    limit: z.number().int().min(1).max(SEARCH_LIMIT_MAX).default(25),
    platforms: z.array(z.enum(platforms)).min(1).max(platforms.length).optional(),
    filters: filtersSchema.optional(),
  }),
  { similar_to: ['instagram:veganbulk', 'instagram:plantpowerlifts'], limit: 10, filters: { countries: ['US'], include_unknown: true } },
);

const resemblanceSchema = z.object({
  seed: z.string().meta({ description: 'the seed ("platform:handle") this creator is nearest to' }),
  similarity: z.number().min(0).max(1).meta({ description: 'cosine similarity of their vectors' }),
  shared_topics: z.array(z.string()),
  shared_niches: z.array(z.string()),
});

const exampleSimilarResult = {
  ...exampleSearchResult,
  resembles: { seed: 'instagram:veganbulk', similarity: 0.87, shared_topics: ['vegan', 'bulking'], shared_niches: ['fitness'] },
};
export const similarResponseSchema = responseComponent(
  'SimilarResponse',
  z.object({
    similar_to: z.array(z.string()),
    backend: z.string(),
    count: z.number().int(),
    results: z.array(searchResultSchema.extend({ resembles: resemblanceSchema.nullable() })),
  }),
  { similar_to: ['instagram:veganbulk', 'instagram:plantpowerlifts'], backend: 'lancedb', count: 1, results: [exampleSimilarResult] },
);

/**
 * POST /search/similar — lookalikes of seed creators straight from the index (their centroid's and
 * each seed's nearest neighbours, fused), beside /weaviate/search and with its caps. The seeds are
 * never results; each result names the seed it resembles.
 */
export const searchSimilar = defineRoute({
  method: 'post',
  path: '/search/similar',
  operationId: 'searchSimilar',
  tags: ['search'],
  summary: 'Lookalike search: creators similar to seed creators',
  description:
    'Creators nearest to the seeds (`platform:handle`, 1–10, all in the index) by their stored vectors, hard filters applied ' +
    'in the index, at most 100; each names the seed it resembles. Unknown seeds are a 422 naming them. For a scored, ' +
    'explained shortlist start a job with `similar_to` instead.',
  auth: 'apiKey',
  rate: 'default',
  body: similarRequestSchema,
  responses: {
    200: { description: 'lookalike creators', body: similarResponseSchema },
    400: problem('malformed JSON'),
    413: problem('body too large'),
    415: problem('body is not JSON'),
    422: problem('invalid field, or unknown seeds (each named in `errors`)'),
    503: problem('search backend unavailable'),
  },
  example: { body: { similar_to: ['instagram:veganbulk'], limit: 10 }, response: { similar_to: ['instagram:veganbulk'], backend: 'lancedb', count: 1, results: [exampleSimilarResult] } },
  handler: ({ ctx }) => async (_req, res, input) => {
    const request = input.body;
    const index = ctx.providers.index;
    await assertSeedsIndexed(index, request.similar_to, 'similar_to');
    const call = { jobId: null, signal: AbortSignal.timeout(ctx.config.providers.timeoutMs) };
    const hits = await indexAnswer(res, async () => {
      const { seeds } = await loadSeeds(index, keysOf(request.similar_to), call);
      return findSimilar(index, seeds, { filters: toHardFilters(request.filters, request.platforms), limit: request.limit }, call);
    });
    const payload: z.input<typeof similarResponseSchema> = {
      similar_to: keysOf(request.similar_to),
      backend: index.backend,
      count: hits.length,
      results: hits.map((h) => ({ ...searchResultView(h.creator, h.score, ctx.config.profiles.maxAgeDays), resembles: h.resembles })),
    };
    res.json(payload);
  },
});
