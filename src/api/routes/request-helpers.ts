// What route handlers share: the caller's API key, a path parameter, the caller's own job.
import type { Request, Response } from 'express';
import type { AppContext } from '../../app/app-context.js';
import { AppError } from '../../errors.js';
import type { ApiKeyRow } from '../../repositories/api-keys.repository.js';
import type { JobRow } from '../../repositories/jobs.repository.js';
import { JOB_ID_PATTERN } from '../../domain/ids.js';

export function apiKeyOf(res: Response): ApiKeyRow {
  const key = res.locals.apiKey;
  if (!key) throw new Error('route needs requireApiKey before it');
  return key;
}

/** A single path parameter as a string (Express 5 types allow arrays for wildcard parameters). */
export function param(req: Request, name: string): string | undefined {
  const v: unknown = req.params[name];
  return typeof v === 'string' ? v : undefined;
}

/** The 404 of a job the caller cannot see (built only when thrown: capturing a stack on every request is measurable on hot routes). */
export const ownJobNotFound = (jobId: string | undefined) => new AppError('not_found', `job ${String(jobId).slice(0, 80)} not found`);

/** A well-formed job id, or the 404 that a missing job gets. */
export function ownJobId(jobId: string | undefined): string {
  if (jobId === undefined || !JOB_ID_PATTERN.test(jobId)) throw ownJobNotFound(jobId);
  return jobId;
}

/** The caller's own job, or 404: another key's job, a malformed id and a missing job look the same. */
export async function loadOwnJob(ctx: AppContext, jobId: string | undefined, res: Response): Promise<JobRow> {
  const job = await ctx.repos.jobs.getForKey(ownJobId(jobId), apiKeyOf(res).id);
  if (!job) throw ownJobNotFound(jobId);
  return job;
}
