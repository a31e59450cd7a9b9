import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { defineRoute, jobNotFound, problem } from '../route.js';
import { eventsBatchSchema, exampleEventsBatch, jobIdParam } from '../schemas.js';
import { isTerminal, terminalEventTypes } from '../../domain/job.js';
import type { JobRow } from '../../repositories/jobs.repository.js';
import { eventItem, JobEventStream, streamHead, TERMINAL_GRACE_MS } from '../sse/job-event-stream.js';
import { apiKeyOf, loadOwnJob, param } from './request-helpers.js';
import type { RouteDeps } from '../route.js';

export const EVENTS_LIMIT_MAX = 500;

export const eventsQuerySchema = z.strictObject({
  format: z.enum(['json', 'sse']).optional(),
  after: z.coerce.number().int().min(0).max(2_147_483_647).optional().meta({ description: 'return events with seq greater than this' }),
  limit: z.coerce.number().int().min(1).max(EVENTS_LIMIT_MAX).default(100).meta({ description: 'JSON page size' }),
});

function lastEventId(req: Request): number | undefined {
  const raw = req.get('last-event-id');
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^\d{1,10}$/.test(raw.trim()) || Number(raw.trim()) > 2_147_483_647) {
    throw new AppError('bad_request', 'Last-Event-ID must be an event id (a non-negative integer) from this stream', {
      errors: [{ field: 'Last-Event-ID', message: 'must be a non-negative integer' }],
    });
  }
  return Number(raw.trim());
}

/** The job has ended and the client has everything up to (and including) its terminal event. */
async function streamIsOver(ctx: RouteDeps['ctx'], job: JobRow, after: number): Promise<boolean> {
  if (!isTerminal(job.status)) return false;
  if ((await ctx.jobEvents.list(job.id, after, 1)).length > 0) return false;
  const last = after > 0 ? (await ctx.jobEvents.list(job.id, after - 1, 1))[0] : undefined;
  if (last && terminalEventTypes.includes(last.type)) return true;
  // Ended without a terminal event (or it is being written right now): over once that moment has passed.
  return job.finishedAt !== null && Date.now() - job.finishedAt.getTime() > TERMINAL_GRACE_MS;
}

function wantsStream(req: Request, format: string | undefined): boolean {
  if (format !== undefined) return format === 'sse';
  return (req.get('accept') ?? '').toLowerCase().includes('text/event-stream');
}

/**
 * GET /pipeline/jobs/:jobId/events — SSE (Accept: text/event-stream) or a JSON batch
 * (?format=json, or any other Accept). Both resume after `Last-Event-ID` / `?after=`.
 */
export const getJobEvents = defineRoute({
  method: 'get',
  path: '/pipeline/jobs/:jobId/events',
  operationId: 'getJobEvents',
  tags: ['pipeline'],
  summary: 'Job events: SSE stream or JSON batch',
  description:
    'With `Accept: text/event-stream`: Server-Sent Events, `id` = per-job sequence, `event` = type, `data` = a JobEvent. ' +
    'Resume with `Last-Event-ID` (or `?after=`): no gap, no duplicate. A `: heartbeat` comment every 15 s; the stream ' +
    'ends after `completed`, `failed` or `cancelled`. Otherwise (or with `?format=json`): a JSON page of the same events.',
  auth: 'apiKey',
  rate: 'default',
  params: z.object({ jobId: jobIdParam }),
  query: eventsQuerySchema,
  headers: z.object({ 'Last-Event-ID': z.string().optional() }),
  responses: {
    200: { description: 'SSE stream or JSON batch', content: { 'text/event-stream': z.string(), 'application/json': eventsBatchSchema } },
    400: problem('bad Last-Event-ID'),
    404: jobNotFound,
    422: problem('bad query parameter'),
  },
  example: { params: { jobId: exampleEventsBatch.job_id }, response: exampleEventsBatch },
  handler: ({ ctx, sse }) => async (req, res, input) => {
    const job = await loadOwnJob(ctx, param(req, 'jobId'), res);
    const query = input.query;

    if (!wantsStream(req, query.format)) {
      const after = query.after ?? 0;
      const rows = await ctx.jobEvents.list(job.id, after, query.limit + 1);
      const events = rows.slice(0, query.limit).map(eventItem);
      const payload: z.input<typeof eventsBatchSchema> = {
        job_id: job.id,
        status: job.status,
        events,
        next_after: events.at(-1)?.seq ?? after,
        has_more: rows.length > query.limit,
      };
      res.json(payload);
      return;
    }

    const key = apiKeyOf(res);
    if (sse.isClosing) throw new AppError('service_unavailable', 'server is shutting down; reconnect shortly', { retryAfterSeconds: 1 });
    if (sse.countFor(key.id) >= sse.maxPerKey) {
      throw new AppError('rate_limited', `at most ${sse.maxPerKey} open event streams per API key`, { retryAfterSeconds: 5 });
    }
    const after = lastEventId(req) ?? query.after ?? 0;
    if (await streamIsOver(ctx, job, after)) {
      // 204 is how SSE says "do not reconnect": an EventSource that saw the end stops here.
      res.status(204).end();
      return;
    }
    if (req.method === 'HEAD') {
      streamHead(res);
      res.end();
      return;
    }
    const stream = new JobEventStream(ctx, res, sse, job.id, key.id, after, ctx.config.http.sseHeartbeatMs);
    try {
      await stream.open();
    } catch (err) {
      if (res.headersSent) {
        stream.close();
        return;
      }
      res.locals.log.error({ err }, 'could not open the event stream');
      throw new AppError('service_unavailable', 'live events are unavailable right now; poll with ?format=json', { retryAfterSeconds: 5 });
    }
  },
});
