import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow } from '../../api/problem.js';
import { AppError } from '../../errors.js';
import { USAGE_ROWS_MAX } from '../../repositories/admin-stats.repository.js';
import type { AdminStatsRepository } from '../../repositories/admin-stats.repository.js';
import { calendarDay, emptyAsUndefined, isoDay } from '../admin-params.js';

const DAY_MS = 86_400_000;
const RANGE_MAX_DAYS = 366;

const usageQuery = z.strictObject({
  from: emptyAsUndefined(calendarDay),
  to: emptyAsUndefined(calendarDay),
  key: emptyAsUndefined(z.string().max(64)),
});

export function usageRoutes(stats: AdminStatsRepository): Router {
  const router = Router();
  /** Jobs and cost per UTC day and key; `from`/`to` are inclusive days, the last 30 days by default. */
  router.get('/usage', async (req, res) => {
    const q = parseOrThrow(usageQuery, req.query, 'query');
    const to = q.to ?? isoDay(new Date());
    const from = q.from ?? isoDay(new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS));
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    if (days < 1 || days > RANGE_MAX_DAYS) {
      throw new AppError('validation_failed', `invalid query: from..to must span 1 to ${RANGE_MAX_DAYS} days`, {
        errors: [{ field: 'query.from', message: `from must not be after to, and the range at most ${RANGE_MAX_DAYS} days` }],
      });
    }
    const [rows, noJob] = await Promise.all([stats.usage(from, to, q.key ?? null), q.key ? Promise.resolve([]) : stats.noJobUsage(from, to)]);
    res.json({
      from,
      to,
      rows: rows.map((r) => ({
        day: r.day,
        api_key_id: r.apiKeyId,
        key_name: r.keyName,
        jobs: r.jobs,
        completed: r.completed,
        failed: r.failed,
        cancelled: r.cancelled,
        cost_usd: r.costUsd,
      })),
      truncated: rows.length >= USAGE_ROWS_MAX,
      /** calls that belong to no job and so to no key (import-time embeddings, CLI runs); empty when filtered by key */
      without_job: noJob.map((r) => ({ day: r.day, calls: r.calls, cost_usd: r.costUsd })),
      totals: {
        jobs: rows.reduce((s, r) => s + r.jobs, 0),
        cost_usd: rows.reduce((s, r) => s + r.costUsd, 0),
        cost_without_job_usd: noJob.reduce((s, r) => s + r.costUsd, 0),
      },
    });
  });
  return router;
}
