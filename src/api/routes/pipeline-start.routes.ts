import { Router } from 'express';
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { AppError } from '../../errors.js';
import { startJobSchema } from '../../domain/job.js';
import type { StartJobRequest } from '../../domain/job.js';
import { IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_KEY_PATTERN } from '../../services/idempotency.service.js';
import { checkStartRequest, startJob } from '../../services/jobs.service.js';
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

const validated = new WeakMap<object, { request: StartJobRequest; idempotencyKey: string | undefined }>();

/**
 * Everything that can refuse a start before a job exists (header, body, webhook URL, seeds) runs
 * ahead of the start bucket, so a refused request never costs the client a start token.
 */
function validateStart(ctx: AppContext): RequestHandler {
  return async (req, _res, next) => {
    const idempotencyKey = idempotencyKeyOf(req.get('idempotency-key'));
    const request = parseOrThrow(startJobSchema, req.body, 'body');
    await checkStartRequest(ctx, request);
    validated.set(req, { request, idempotencyKey });
    next();
  };
}

/** POST /pipeline/start: validate, take a start token, create the job (idempotently), queue it, answer 202. */
export function pipelineStartRoutes({ ctx, auth, limit, body }: RouteDeps): Router {
  const router = Router();
  router.post('/pipeline/start', auth, ...body, validateStart(ctx), limit.start, async (req, res) => {
    const { request, idempotencyKey } = validated.get(req)!;
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
