import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/app-context.js';
import { parseOrThrow } from '../../api/problem.js';
import { artifactKinds, jobStatuses } from '../../domain/job.js';
import type { ArtifactKind, RankedResult } from '../../domain/job.js';
import { resultsCsv } from '../../export/results-csv.js';
import { AppError } from '../../errors.js';
import { ADMIN_PAGE_MAX } from '../../repositories/admin-jobs.repository.js';
import type { AdminJobListItem, AdminJobsRepository } from '../../repositories/admin-jobs.repository.js';
import { EVENTS_PAGE_MAX } from '../../repositories/events.repository.js';
import { decodeCursor, emptyAsUndefined, encodeCursor, endOf, iso, startOf, dayOrInstant } from '../admin-params.js';
import { retryJob } from '../admin-jobs.service.js';
import { JOB_ID_PATTERN } from '../../domain/ids.js';

const listQuery = z.strictObject({
  status: emptyAsUndefined(z.enum(jobStatuses)),
  key: emptyAsUndefined(z.string().max(64)),
  from: emptyAsUndefined(dayOrInstant),
  to: emptyAsUndefined(dayOrInstant),
  cursor: emptyAsUndefined(z.string().max(200)),
  limit: z.coerce.number().int().min(1).max(ADMIN_PAGE_MAX).default(50),
});

const jobIdParam = z.strictObject({ id: z.string().regex(JOB_ID_PATTERN, 'must be a job id such as "job_abc123"') });
const artifactParams = jobIdParam.extend({ kind: z.enum(artifactKinds) });

const CALLS_MAX = 2000;

function listItemView(j: AdminJobListItem) {
  return {
    id: j.id,
    api_key_id: j.apiKeyId,
    key_name: j.keyName,
    status: j.status,
    stage: j.stage,
    progress: j.progress,
    brief: j.brief,
    error_code: j.errorCode,
    cost_usd: j.costUsd,
    attempts: j.attempts,
    created_at: iso(j.createdAt),
    started_at: iso(j.startedAt),
    finished_at: iso(j.finishedAt),
    duration_ms: j.startedAt && j.finishedAt ? j.finishedAt.getTime() - j.startedAt.getTime() : null,
  };
}

/** Where the job stands in BullMQ, for the inspector; null when Redis cannot say. */
async function queueState(ctx: AppContext, jobId: string) {
  try {
    const entry = await ctx.queue.queue.getJob(jobId);
    if (!entry) return { state: 'absent', attempts_made: 0, failed_reason: null };
    return { state: await entry.getState(), attempts_made: entry.attemptsMade, failed_reason: entry.failedReason ?? null };
  } catch {
    return null;
  }
}

export function jobRoutes(ctx: AppContext, adminJobs: AdminJobsRepository): Router {
  const router = Router();

  router.get('/jobs', async (req, res) => {
    const q = parseOrThrow(listQuery, req.query, 'query');
    const rows = await adminJobs.list(
      {
        status: q.status,
        apiKeyId: q.key,
        createdFrom: q.from ? startOf(q.from) : undefined,
        createdBefore: q.to ? endOf(q.to) : undefined,
        after: q.cursor ? decodeCursor(q.cursor) : undefined,
      },
      q.limit + 1,
    );
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    res.json({
      jobs: page.map(listItemView),
      next_cursor: rows.length > q.limit && last ? encodeCursor({ createdUs: last.cursorUs, id: last.id }) : null,
    });
  });

  router.get('/jobs/:id', async (req, res) => {
    const { id } = parseOrThrow(jobIdParam, req.params, 'params');
    const job = await ctx.repos.jobs.get(id);
    if (!job) throw new AppError('not_found', `job ${id} not found`);
    const [keyName, events, calls, artifacts, queue] = await Promise.all([
      adminJobs.keyName(job.apiKeyId),
      ctx.repos.events.list(id, 0, EVENTS_PAGE_MAX),
      ctx.repos.calls.listForJob(id, CALLS_MAX),
      ctx.repos.artifacts.listKinds(id),
      queueState(ctx, id),
    ]);
    res.json({
      job: {
        id: job.id,
        api_key_id: job.apiKeyId,
        key_name: keyName,
        status: job.status,
        stage: job.stage,
        progress: job.progress,
        params: job.params,
        meta: job.meta,
        error: job.error,
        cancel_requested: job.cancelRequested,
        attempts: job.attempts,
        created_at: iso(job.createdAt),
        started_at: iso(job.startedAt),
        finished_at: iso(job.finishedAt),
        updated_at: iso(job.updatedAt),
        duration_ms: job.startedAt && job.finishedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : null,
      },
      events: events.map((e) => ({ seq: e.seq, type: e.type, data: e.data, created_at: iso(e.createdAt) })),
      events_truncated: job.lastEventSeq > (events.at(-1)?.seq ?? 0),
      calls: calls.map((c) => ({
        id: c.id,
        service: c.service,
        operation: c.operation,
        status: c.status,
        http_status: c.httpStatus,
        duration_ms: c.durationMs,
        units: c.units,
        cost_usd: c.costUsd,
        error: c.error,
        created_at: iso(c.createdAt),
      })),
      calls_total: {
        count: calls.length,
        duration_ms: calls.reduce((s, c) => s + c.durationMs, 0),
        cost_usd: calls.reduce((s, c) => s + c.costUsd, 0),
      },
      artifacts: artifacts.map((a) => ({ kind: a.kind, updated_at: iso(a.updatedAt), bytes: a.bytes })),
      queue,
    });
  });

  router.get('/jobs/:id/artifacts/:kind', async (req, res) => {
    const { id, kind } = parseOrThrow(artifactParams, req.params, 'params');
    const artifact = await ctx.repos.artifacts.get(id, kind as ArtifactKind);
    if (!artifact) throw new AppError('not_found', `job ${id} has no ${kind} artifact`);
    res.json({ job_id: id, kind, updated_at: iso(artifact.updatedAt), data: artifact.data });
  });

  /** The shortlist export of a completed job, as its owner gets it from /pipeline/jobs/:id/results?format=csv. */
  router.get('/jobs/:id/results.csv', async (req, res) => {
    const { id } = parseOrThrow(jobIdParam, req.params, 'params');
    const final = await ctx.repos.artifacts.get<RankedResult[]>(id, 'final');
    if (!final) throw new AppError('not_found', `job ${id} has no results`);
    const rows = Array.isArray(final.data) ? final.data : ((final.data as { results?: RankedResult[] }).results ?? []);
    res.type('text/csv; charset=utf-8; header=present').attachment(`${id}.csv`).send(resultsCsv(rows));
  });

  router.post('/jobs/:id/retry', async (req, res) => {
    const { id } = parseOrThrow(jobIdParam, req.params, 'params');
    const outcome = await retryJob(ctx, adminJobs, id);
    res.status(202).json({ job_id: id, outcome });
  });

  return router;
}
