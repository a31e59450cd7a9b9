import type { Request, Response } from 'express';
import type { AppContext } from '../../app/app-context.js';
import { AppError } from '../../errors.js';
import { TimeoutError, withTimeout } from '../../domain/timeout.js';
import { operatorAccess } from '../../metrics/metrics.js';
import type { z } from 'zod';
import { defineRoute } from '../route.js';
import { exampleHealth, healthResponseSchema } from '../schemas.js';
import { serviceVersion } from '../version.js';

type Health = z.input<typeof healthResponseSchema>;
type Component = NonNullable<Health['components']>['postgres'];

const CHECK_TIMEOUT_MS = 2_000;
/** Health is unauthenticated: answers are cached briefly so it cannot be used to load the backends. */
const CACHE_MS = 1_000;

async function check<T>(name: string, ctx: Pick<AppContext, 'logger'>, fn: () => Promise<T>): Promise<{ component: Component; value?: T }> {
  const started = performance.now();
  try {
    const value = await withTimeout(fn(), CHECK_TIMEOUT_MS, name);
    return { component: { status: 'up', latency_ms: Math.round(performance.now() - started) }, value };
  } catch (err) {
    ctx.logger.warn({ component: name, err: (err as Error).message }, 'health check failed');
    // The reason stays in our logs: health is public and must not describe the infrastructure.
    const error = err instanceof TimeoutError ? 'timeout' : 'unreachable';
    return { component: { status: 'down', latency_ms: Math.round(performance.now() - started), error } };
  }
}

/**
 * GET /health: 200 when Postgres, Redis and the creator index all answer (`degraded` when the index
 * needs a rebuild), 503 otherwise. Anonymous callers get only the status; version, uptime and components go to operators (see operatorAccess).
 */
export const getHealth = defineRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  tags: ['service'],
  summary: 'Service health',
  description: '200 when Postgres, Redis and the creator index answer (status `degraded` when the index was built by another embedder: jobs fail until `scout import --reindex`); 503 while a dependency is down. No key needed.',
  auth: 'none',
  responses: {
    200: { description: 'healthy', body: healthResponseSchema },
    503: { description: 'a component is down', body: healthResponseSchema },
  },
  example: { response: exampleHealth },
  handler: ({ ctx }) => healthHandler(ctx),
});

function healthHandler(ctx: Pick<AppContext, 'pool' | 'redis' | 'providers' | 'logger' | 'config' | 'stores'>) {
  const startedAt = Date.now();
  let cached: { at: number; body: Health } | null = null;
  let inflight: Promise<Health> | null = null;

  const compute = async (): Promise<Health> => {
    const [pg, redis, index] = await Promise.all([
      check('postgres', ctx, () => ctx.pool.query('select 1')),
      check('redis', ctx, () => ctx.redis.ping()),
      check('index', ctx, async () => {
        await ctx.providers.index.ping();
        return ctx.providers.index.info();
      }),
    ]);
    const info = index.value;
    const up = pg.component.status === 'up' && redis.component.status === 'up' && index.component.status === 'up';
    // an index built by another embedder answers, but every job would fail with index_mismatch
    const configured = ctx.providers.embedder;
    const mismatch =
      info?.embedder && (info.embedder !== configured.id || (info.dimension !== null && info.dimension !== configured.dimension))
        ? { configured_embedder: configured.id, fix: 'rebuild the index for the configured embedder: scout import --reindex FILE (see docs/providers.md)' }
        : undefined;
    return {
      status: !up ? 'unavailable' : mismatch ? 'degraded' : 'ok',
      version: serviceVersion,
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      components: {
        postgres: pg.component,
        redis: redis.component,
        index: {
          ...index.component,
          backend: info?.backend ?? ctx.providers.index.backend,
          count: info?.count ?? null,
          embedder: info?.embedder ?? null,
          dimension: info?.dimension ?? null,
          ...(mismatch ? { mismatch } : {}),
        },
      },
    };
  };

  const access = operatorAccess(ctx);
  return async (req: Request, res: Response) => {
    // Without Redis the key cannot be checked; health still answers, with the anonymous view.
    const operator = (await access(req).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'service_unavailable') return 'none';
      throw err;
    })) !== 'none';
    if (!cached || Date.now() - cached.at > CACHE_MS) {
      inflight ??= compute().finally(() => {
        inflight = null;
      });
      cached = { at: Date.now(), body: await inflight };
    }
    const body = cached.body;
    res.status(body.status === 'unavailable' ? 503 : 200).json(operator ? body : { status: body.status });
  };
}
