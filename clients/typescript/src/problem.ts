import type { FieldError, JobEvent, Problem } from './types.js';
import { parseRetryAfter } from './retry.js';

/**
 * An HTTP error answer from the API, typed: RFC 9457 problem+json gives `code` (the closed list in
 * docs/api.md), `requestId` (quote it when reporting), `errors` (one per invalid field). A non-problem
 * answer (a proxy's HTML 502, say) still becomes one, with `code` `http_<status>`.
 * Network failures are not wrapped: fetch's own TypeError reaches the caller unchanged.
 */
export class ScoutProblemError extends Error {
  override readonly name = 'ScoutProblemError';
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly requestId: string | null;
  readonly errors: readonly FieldError[];
  /** the job a 503 from `POST /pipeline/start` accepted before the queue failed */
  readonly jobId: string | null;
  /** seconds from the Retry-After header, when there was one */
  readonly retryAfterSeconds: number | null;
  /** the problem body as sent, or null when the answer was not problem+json */
  readonly problem: Problem | null;

  constructor(status: number, problem: Problem | null, init: { requestId?: string | null; retryAfterSeconds?: number | null; text?: string } = {}) {
    const detail = problem?.detail ?? (init.text ?? '').slice(0, 300);
    super(`${status} ${problem?.code ?? `http_${status}`}: ${detail}`);
    this.status = status;
    this.problem = problem;
    this.code = problem?.code ?? `http_${status}`;
    this.title = problem?.title ?? `HTTP ${status}`;
    this.detail = detail;
    this.requestId = problem?.request_id ?? init.requestId ?? null;
    this.errors = problem?.errors ?? [];
    this.jobId = problem?.job_id ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }

  /** The message for one invalid field (`'top_k'`, `'filters.countries.0'`), if the API named it. */
  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }

  /** Builds the error from a non-2xx response and the body openapi-fetch already read (JSON or text). */
  static fromResponse(response: Response, body: unknown): ScoutProblemError {
    const retryMs = parseRetryAfter(response.headers.get('Retry-After'));
    const init = {
      requestId: response.headers.get('X-Request-Id'),
      retryAfterSeconds: retryMs === null ? null : Math.ceil(retryMs / 1000),
      text: typeof body === 'string' ? body : undefined,
    };
    return new ScoutProblemError(response.status, isProblem(body) ? body : null, init);
  }
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).code === 'string' && typeof (body as Problem).status === 'number';
}

/** `waitForResults` on a job that ended `failed` or `cancelled`: the terminal event says why. */
export class ScoutJobError extends Error {
  override readonly name = 'ScoutJobError';
  readonly jobId: string;
  readonly status: 'failed' | 'cancelled';
  /** the job's error code or cancel reason, when the event carried one */
  readonly code: string | null;
  readonly event: JobEvent;

  constructor(jobId: string, event: JobEvent) {
    const data = event.data as { code?: unknown; reason?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } };
    const code = [data.code, data.error?.code, data.reason].find((v): v is string => typeof v === 'string') ?? null;
    const message = [data.message, data.error?.message].find((v): v is string => typeof v === 'string');
    super(`job ${jobId} ${event.type}${code ? ` (${code})` : ''}${message ? `: ${message}` : ''}`);
    this.jobId = jobId;
    this.status = event.type === 'failed' ? 'failed' : 'cancelled';
    this.code = code;
    this.event = event;
  }
}
