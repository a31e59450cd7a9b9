import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/app-context.js';
import { parseOrThrow } from '../../api/problem.js';
import type { AdminStatsRepository, WindowSummary } from '../../repositories/admin-stats.repository.js';

const HOUR = 3_600_000;
/** Summary windows and the chart bucket each one uses. */
export const WINDOWS = {
  '24h': { ms: 24 * HOUR, bucketSeconds: 3600 },
  '7d': { ms: 7 * 24 * HOUR, bucketSeconds: 6 * 3600 },
  '30d': { ms: 30 * 24 * HOUR, bucketSeconds: 24 * 3600 },
} as const;
type WindowName = keyof typeof WINDOWS;

const querySchema = z.strictObject({ window: z.enum(['24h', '7d', '30d']).default('24h') });

function summaryView(s: WindowSummary) {
  const decided = s.completed + s.failed;
  return {
    jobs: s.jobs,
    completed: s.completed,
    failed: s.failed,
    cancelled: s.cancelled,
    active: s.active,
    /** completed / (completed + failed): cancelled and unfinished jobs do not count either way */
    success_rate: decided > 0 ? s.completed / decided : null,
    p50_ms: s.p50Ms === null ? null : Math.round(s.p50Ms),
    p95_ms: s.p95Ms === null ? null : Math.round(s.p95Ms),
    cost_usd: s.costUsd,
    /** included in cost_usd: calls that belong to no job (import-time embeddings, CLI runs) */
    cost_without_job_usd: s.noJobCostUsd,
  };
}

/** Queue counts are a nice-to-have on the overview: Redis being down must not break the page. */
async function queueCounts(ctx: AppContext): Promise<Record<string, number> | null> {
  try {
    return await ctx.queue.counts();
  } catch {
    return null;
  }
}

export function overviewRoutes(ctx: AppContext, stats: AdminStatsRepository): Router {
  const router = Router();
  router.get('/overview', async (req, res) => {
    const { window } = parseOrThrow(querySchema, req.query, 'query');
    const now = new Date();
    const names = Object.keys(WINDOWS) as WindowName[];
    const since = (w: WindowName) => new Date(now.getTime() - WINDOWS[w].ms);
    const [summaries, points, queue] = await Promise.all([
      Promise.all(names.map((w) => stats.summary(since(w), now))),
      stats.series(since(window), now, WINDOWS[window].bucketSeconds),
      queueCounts(ctx),
    ]);
    res.json({
      generated_at: now.toISOString(),
      windows: Object.fromEntries(names.map((w, i) => [w, summaryView(summaries[i]!)])),
      series: {
        window,
        bucket_seconds: WINDOWS[window].bucketSeconds,
        points: points.map((p) => ({
          start: p.start.toISOString(),
          completed: p.completed,
          failed: p.failed,
          other: p.other,
          cost_usd: p.costUsd,
        })),
      },
      queue,
    });
  });
  return router;
}
