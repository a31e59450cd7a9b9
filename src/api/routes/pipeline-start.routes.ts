import { Router } from 'express';
import type { z } from 'zod';
import { AppError } from '../../errors.js';
import { startJobSchema } from '../../domain/job.js';
import { IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_KEY_PATTERN } from '../../services/idempotency.service.js';
import { startJob } from '../../services/jobs.service.js';
import { jobLinks } from '../../services/job-view.js';
import { parseOrThrow } from '../problem.js';
import type { startJobResponseSchema } from '../schemas.js';
import { apiKeyOf } from './route-deps.js';
import type { RouteDeps } from './route-deps.js';

function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!IDEMPOTENCY_KEY_PATTERN.test(header)) {
    const message = `must be 1–${IDEMPOTENCY_KEY_MAX} printable ASCII characters without spaces (a UUID is ideal)`;
    throw new AppError('bad_request', `invalid Idempotency-Key header: ${message}`, {
      errors: [{ field: 'Idempotency-Key', message }],
    });
  }
  return header;
}

/** POST /pipeline/start: validate, create the job (idempotently), queue it, answer 202. */
export function pipelineStartRoutes({ ctx, auth, limit, body }: RouteDeps): Router {
  const router = Router();
  router.post('/pipeline/start', auth, limit.start, ...body, async (req, res) => {
    const idempotencyKey = idempotencyKeyOf(req.get('idempotency-key'));
    const request = parseOrThrow(startJobSchema, req.body, 'body');
    const { job, replayed } = await startJob(ctx, apiKeyOf(res), request, idempotencyKey);
    const payload: z.input<typeof startJobResponseSchema> = {
      job_id: job.id,
      status: job.status,
      created_at: job.createdAt.toISOString(),
      links: jobLinks(job.id),
    };
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(202).location(payload.links.self).json(payload);
  });
  return router;
}
