import { z } from 'zod';
import { AppError } from '../../errors.js';
import { publicArtifactKinds } from '../../domain/job.js';
import type { MatchQuality, RankedResult } from '../../domain/job.js';
import { resultColumns, resultsCsv } from '../../export/results-csv.js';
import { cancelJob } from '../../services/jobs.service.js';
import { jobView } from '../../presenters/job-view.js';
import { defineRoute, jobNotFound, problem } from '../route.js';
import { artifactResponseSchema, exampleArtifact, exampleJob, exampleResults, jobIdParam, jobViewSchema, resultsResponseSchema } from '../schemas.js';
import { apiKeyOf, loadOwnJob, ownJobId, ownJobNotFound, param } from './request-helpers.js';

// Job status, results, artifacts and cancel: every one scoped to the caller's key.

type PublicKind = (typeof publicArtifactKinds)[number];
const isPublicKind = (k: string): k is PublicKind => (publicArtifactKinds as readonly string[]).includes(k);

/** The `final` artifact is the ranked list, as the rank stage writes it. */
function rankedFrom(list: unknown): RankedResult[] {
  if (!Array.isArray(list)) throw new Error('final artifact has no result list');
  // results stored before breakdowns existed have none
  return (list as (Omit<RankedResult, 'score_breakdown'> & { score_breakdown?: RankedResult['score_breakdown'] })[]).map((r) => ({
    ...r,
    score_breakdown: r.score_breakdown ?? null,
  }));
}

const jobParams = z.object({ jobId: jobIdParam });
const exampleParams = { jobId: exampleJob.job_id };

export const getJob = defineRoute({
  method: 'get',
  path: '/pipeline/jobs/:jobId',
  operationId: 'getJob',
  tags: ['pipeline'],
  summary: 'Job status, stage, progress and counters',
  auth: 'apiKey',
  rate: 'default',
  params: jobParams,
  responses: { 200: { description: 'the job', body: jobViewSchema }, 404: jobNotFound },
  example: { params: exampleParams, response: exampleJob },
  handler: ({ ctx }) => async (req, res) => {
    const job = await loadOwnJob(ctx, param(req, 'jobId'), res);
    res.json(jobView(job));
  },
});

const resultsQuery = z.object({
  format: z.enum(['json', 'csv']).optional().meta({ description: '`csv` answers text/csv whatever the Accept header says' }),
});

export const getJobResults = defineRoute({
  method: 'get',
  path: '/pipeline/jobs/:jobId/results',
  operationId: 'getJobResults',
  tags: ['pipeline'],
  summary: 'Final ranked creators',
  description:
    'JSON by default; `text/csv` (the shortlist export: a header row, one row per result, RFC 4180 quoting, cells that ' +
    'could run as spreadsheet formulas escaped; columns in docs/api.md) for `Accept: text/csv` or `?format=csv`.',
  auth: 'apiKey',
  rate: 'default',
  params: jobParams,
  query: resultsQuery,
  responses: {
    200: {
      description: 'the ranked shortlist',
      body: resultsResponseSchema,
      content: { 'text/csv': z.string().meta({ description: `header: ${resultColumns.map((c) => c.name).join(',')}` }) },
    },
    404: jobNotFound,
    409: problem('the job has not completed (or failed / was cancelled)'),
  },
  example: { params: exampleParams, response: exampleResults },
  handler: ({ ctx }) => async (req, res, input) => {
    const job = await loadOwnJob(ctx, param(req, 'jobId'), res);
    const csv = input.query.format === 'csv' || (input.query.format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
    if (job.status !== 'completed') {
      throw new AppError(
        'job_not_finished',
        job.status === 'pending' || job.status === 'running'
          ? `job ${job.id} is ${job.status}; results are available once it has completed`
          : `job ${job.id} ${job.status}; it has no results`,
        { members: { job_id: job.id, job_status: job.status } },
      );
    }
    // both artifacts in one query
    const { final, match } = await ctx.repos.artifacts.getMany(job.id, ['final', 'match']);
    if (!final) throw new Error(`completed job ${job.id} has no final artifact`);
    const results = rankedFrom(final.data);
    if (csv) {
      res.type('text/csv; charset=utf-8; header=present').attachment(`${job.id}.csv`).send(resultsCsv(results));
      return;
    }
    const payload: z.input<typeof resultsResponseSchema> = {
      job_id: job.id,
      status: 'completed',
      count: results.length,
      match_quality: (match?.data as MatchQuality | undefined) ?? null,
      results,
    };
    res.json(payload);
  },
});

export const getJobArtifact = defineRoute({
  method: 'get',
  path: '/pipeline/jobs/:jobId/artifacts/:kind',
  operationId: 'getJobArtifact',
  tags: ['pipeline'],
  summary: 'An intermediate artifact',
  description:
    '`candidates` (search hits), `progressive` (top so far, rewritten after each scoring batch), ' +
    '`remaining` (not yet scored), `timing` (per-stage durations and counts).',
  auth: 'apiKey',
  rate: 'default',
  params: z.object({ jobId: jobIdParam, kind: z.enum(publicArtifactKinds) }),
  responses: { 200: { description: 'the artifact', body: artifactResponseSchema }, 404: problem('no such job, kind, or not written yet') },
  example: { params: { ...exampleParams, kind: 'timing' }, response: exampleArtifact },
  handler: ({ ctx }) => async (req, res) => {
    const kind = param(req, 'kind') ?? '';
    if (!isPublicKind(kind)) {
      await loadOwnJob(ctx, param(req, 'jobId'), res); // an unknown job is a 404 for the job first
      throw new AppError('not_found', `unknown artifact kind "${kind.slice(0, 40)}"; one of: ${publicArtifactKinds.join(', ')}`);
    }
    // the job's ownership and its artifact in one query
    const jobId = ownJobId(param(req, 'jobId'));
    const found = await ctx.repos.artifacts.getForKey(jobId, apiKeyOf(res).id, kind);
    if (!found) throw ownJobNotFound(jobId);
    const { artifact } = found;
    if (!artifact) throw new AppError('not_found', `job ${jobId} has no ${kind} artifact yet`);
    const payload: z.input<typeof artifactResponseSchema> = {
      job_id: jobId,
      kind,
      updated_at: artifact.updatedAt.toISOString(),
      data: artifact.data,
    };
    res.json(payload);
  },
});

export const cancelJobRoute = defineRoute({
  method: 'post',
  path: '/pipeline/jobs/:jobId/cancel',
  operationId: 'cancelJob',
  tags: ['pipeline'],
  summary: 'Cancel a job',
  description: 'A pending job is cancelled at once (200); a running one stops at its next safe point (202).',
  auth: 'apiKey',
  rate: 'default',
  params: jobParams,
  responses: {
    200: { description: 'cancelled', body: jobViewSchema },
    202: { description: 'cancellation requested', body: jobViewSchema },
    404: jobNotFound,
    409: problem('the job has already finished'),
  },
  example: { params: exampleParams, response: { ...exampleJob, cancel_requested: true } },
  handler: ({ ctx }) => async (req, res) => {
    const own = await loadOwnJob(ctx, param(req, 'jobId'), res);
    const job = await cancelJob(ctx, own.id, apiKeyOf(res).id);
    // 200: cancelled now; 202: the worker will stop at its next safe point.
    res.status(job.status === 'cancelled' ? 200 : 202).json(jobView(job));
  },
});
