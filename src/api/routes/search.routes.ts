import { Router } from 'express';
import type { z } from 'zod';
import type { HardFilters } from '../../domain/creator.js';
import { AppError } from '../../errors.js';
import { IndexEmbedderMismatchError, IndexNichesMissingError } from '../../providers/index/creator-index.js';
import { ProviderError } from '../../errors.js';
import { parseOrThrow } from '../problem.js';
import { searchRequestSchema } from '../schemas.js';
import type { SearchRequest, searchResponseSchema } from '../schemas.js';
import type { RouteDeps } from './route-deps.js';

const BIO_MAX = 500;
const LIST_MAX = 20;

function hardFilters(req: SearchRequest): HardFilters {
  const f = req.filters;
  const out: HardFilters = {};
  if (req.platforms) out.platforms = req.platforms;
  if (f?.followers_min !== undefined) out.followersMin = f.followers_min;
  if (f?.followers_max !== undefined) out.followersMax = f.followers_max;
  if (f?.countries) out.countries = f.countries;
  if (f?.languages) out.languages = f.languages;
  if (f?.min_engagement_rate !== undefined) out.minEngagementRate = f.min_engagement_rate;
  if (f?.include_unknown) out.includeUnknown = true;
  if (f?.niches) out.niches = [...new Set(f.niches)];
  return out;
}

/**
 * POST /weaviate/search — the seed's path, served by whichever index is configured. Returns
 * normalized creators only (never backend objects), with hard caps on the query and the result.
 */
export function searchRoutes({ ctx, auth, limit, body }: RouteDeps): Router {
  const router = Router();
  router.post('/weaviate/search', auth, limit.default, ...body, async (req, res) => {
    const request = parseOrThrow(searchRequestSchema, req.body, 'body');
    let hits;
    try {
      hits = await ctx.providers.index.hybridSearch(
        { text: request.query, filters: hardFilters(request), limit: request.limit },
        { jobId: null, signal: AbortSignal.timeout(ctx.config.providers.timeoutMs) },
      );
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
    const results = hits.slice(0, request.limit).map(({ creator: c, score }) => ({
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
    }));
    const payload: z.input<typeof searchResponseSchema> = {
      query: request.query,
      backend: ctx.providers.index.backend,
      count: results.length,
      results,
    };
    res.json(payload);
  });
  return router;
}
