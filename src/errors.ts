/**
 * One error type for everything the service answers on purpose. The code list is closed and each
 * code maps to exactly one HTTP status, so the error middleware never guesses.
 */
export const errorStatus = {
  validation_failed: 422,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  job_not_finished: 409,
  job_finished: 409,
  idempotency_key_reused: 422,
  idempotency_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  quota_exceeded: 429,
  service_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldError {
  /** dotted path of the offending field, e.g. `filters.followers_min` */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: {
      errors?: FieldError[];
      retryAfterSeconds?: number;
      headers?: Record<string, string>;
      /** extra members of the problem body (never secrets) */
      members?: Record<string, unknown>;
    } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }
}

/** A provider gave up after its retries; stages decide whether that degrades or fails the job. */
export class ProviderError extends Error {
  constructor(
    readonly service: string,
    readonly operation: string,
    message: string,
    readonly options: { status?: number; retryable?: boolean; cause?: unknown; attempts?: number } = {},
  ) {
    super(`${service}.${operation}: ${message}`, { cause: options.cause });
    this.name = 'ProviderError';
  }
}

/** Thrown at a safe point when the job's cancellation was requested. */
export class JobCancelledError extends Error {
  constructor(
    readonly jobId: string,
    /** why, when it was not the owner's own cancel request (e.g. the API key was revoked) */
    readonly reason?: string,
  ) {
    super(`job ${jobId} was cancelled${reason ? `: ${reason}` : ''}`);
    this.name = 'JobCancelledError';
  }
}
