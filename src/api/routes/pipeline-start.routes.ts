import { z } from 'zod';
import { AppError } from '../../errors.js';
import { startJobSchema } from '../../domain/job.js';
import { IDEMPOTENCY_KEY_MAX, IDEMPOTENCY_KEY_PATTERN } from '../../stores/idempotency.store.js';
import { checkStartRequest, startJob } from '../../services/jobs.service.js';
import { jobLinks } from '../../presenters/job-view.js';
import { WEBHOOK_HEADERS } from '../../webhooks/webhook-signature.js';
import { defineRoute, problem } from '../route.js';
import { exampleStartJobRequest, exampleStartJobResponse, idempotencyKeyHeader, startJobResponseSchema } from '../schemas.js';
import { apiKeyOf } from './request-helpers.js';

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

/** POST /pipeline/start: validate (before the start bucket), create the job (idempotently), queue it, answer 202. */
export const startJobRoute = defineRoute({
  method: 'post',
  path: '/pipeline/start',
  operationId: 'startJob',
  tags: ['pipeline'],
  summary: 'Start a scouting job',
  description:
    'Creates the job and queues it. With `Idempotency-Key` (scoped to your key, kept 24 h) a retry with the same body ' +
    'returns the same job (`Idempotent-Replayed: true`); the same key with a different body is 422; while the first ' +
    `request is still in flight a duplicate gets 409. Limited by the stricter \`start\` bucket and the key's daily quota; ` +
    'a request refused before a job exists (400/413/415/422) takes no start token. ' +
    'With `similar_to` (seed creators, alone or with a brief) it is a lookalike job; unknown seeds are a 422 naming them. ' +
    `Webhook: when the job ends, \`webhook_url\` receives a signed POST (headers ${Object.values(WEBHOOK_HEADERS).join(', ')}; ` +
    'signature `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with your webhook secret>`).',
  auth: 'apiKey',
  rate: 'start',
  headers: z.object({ 'Idempotency-Key': idempotencyKeyHeader.optional() }),
  body: startJobSchema,
  responses: {
    202: {
      description: 'accepted (or replayed)',
      body: startJobResponseSchema,
      headers: {
        Location: { description: 'the job', schema: { type: 'string' } },
        'Idempotent-Replayed': { description: '`true` when an earlier request created this job', schema: { type: 'string' } },
      },
    },
    400: problem('malformed JSON or Idempotency-Key'),
    409: problem('a request with this Idempotency-Key is still in progress'),
    413: problem('body too large'),
    415: problem('body is not JSON'),
    422: problem('invalid field (named in `errors`), or Idempotency-Key reused with another body'),
    503: problem('accepted but not queued yet (`job_id` in the body; it will be queued), or a backend is down'),
  },
  example: { body: exampleStartJobRequest, response: exampleStartJobResponse },
  validate: ({ ctx }) => async (req, _res, input) => {
    idempotencyKeyOf(req.get('idempotency-key'));
    await checkStartRequest(ctx, input.body);
  },
  handler: ({ ctx }) => async (req, res, input) => {
    const idempotencyKey = idempotencyKeyOf(req.get('idempotency-key'));
    const { job, replayed } = await startJob(ctx, apiKeyOf(res), input.body, idempotencyKey);
    const payload: z.input<typeof startJobResponseSchema> = {
      job_id: job.id,
      status: job.status,
      created_at: job.createdAt.toISOString(),
      links: jobLinks(job.id),
    };
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(202).location(payload.links.self).json(payload);
  },
});
