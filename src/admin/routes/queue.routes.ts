import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/app-context.js';
import { parseOrThrow } from '../../api/problem.js';
import { AppError } from '../../errors.js';
import type { AdminJobsRepository } from '../../repositories/admin-jobs.repository.js';

const queueQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(25) });

/** BullMQ counts and the most recent failed entries (retried through POST /jobs/:id/retry). */
export function queueRoutes(ctx: AppContext, adminJobs: AdminJobsRepository): Router {
  const router = Router();
  router.get('/queue', async (req, res) => {
    const { limit } = parseOrThrow(queueQuery, req.query, 'query');
    let counts: Record<string, number>;
    let failed;
    try {
      [counts, failed] = await Promise.all([ctx.queue.counts(), ctx.queue.queue.getFailed(0, limit - 1)]);
    } catch (err) {
      throw new AppError('service_unavailable', `the queue cannot be read: ${(err as Error).message}`, { retryAfterSeconds: 5 });
    }
    const entries = failed.filter((j) => j !== undefined && j !== null && j.id !== undefined);
    const statusOf = await adminJobs.statuses(entries.map((j) => j.id!));
    res.json({
      counts,
      failed: entries.map((j) => ({
        id: j.id,
        name: j.name,
        failed_reason: j.failedReason ?? null,
        attempts_made: j.attemptsMade,
        created_at: new Date(j.timestamp).toISOString(),
        finished_at: j.finishedOn ? new Date(j.finishedOn).toISOString() : null,
        job_status: statusOf.get(j.id!) ?? null,
      })),
    });
  });
  return router;
}
