import type { Response } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import type { FieldError } from '../errors.js';

export const PROBLEM_TYPE_BASE = 'https://influencer-scout.dev/problems/';

/** RFC 9457 problem details body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  request_id: string;
  errors?: FieldError[];
  /** extension members (RFC 9457 §3.2), e.g. `job_id` on a 503 after the job was accepted */
  [member: string]: unknown;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(res: Response, err: AppError, requestId: string): void {
  const body = problemBody(err, requestId);
  if (err.extra.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.ceil(err.extra.retryAfterSeconds)));
  for (const [k, v] of Object.entries(err.extra.headers ?? {})) res.setHeader(k, v);
  res.status(err.status).type('application/problem+json').send(JSON.stringify(body));
}

/** The problem body of an error (also written as a line of a streamed response, where no status can follow). */
export function problemBody(err: AppError, requestId: string): Problem {
  const body: Problem = {
    type: `${PROBLEM_TYPE_BASE}${err.code}`,
    title: titles[err.status] ?? 'Error',
    status: err.status,
    detail: err.message,
    code: err.code,
    request_id: requestId,
  };
  if (err.extra.errors) body.errors = err.extra.errors;
  // Extra members never replace the standard ones (a member named "status" once made it a string).
  for (const [k, v] of Object.entries(err.extra.members ?? {})) if (!Object.hasOwn(body, k)) (body as unknown as Record<string, unknown>)[k] = v;
  return body;
}

/** zod issues → field errors with dotted paths (`filters.countries.0`). */
export function fieldErrors(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => {
    const field = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys;
      return {
        field: keys.length === 1 ? [field, keys[0]].filter(Boolean).join('.') : field || '(body)',
        message: `unknown field${keys.length > 1 ? 's' : ''}: ${keys.join(', ')}`,
      };
    }
    return { field: field || '(body)', message: issue.message };
  });
}

/** Parses with a zod schema or throws a 422 naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = fieldErrors(parsed.error, where === 'body' ? '' : where);
  throw new AppError('validation_failed', `invalid ${where}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, {
    errors,
  });
}
