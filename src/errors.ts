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

/** Node's codes for a network peer that is gone, unreachable or not answering (DNS included). */
export const NETWORK_ERROR_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'] as const;

/**
 * Postgres SQLSTATEs that a later attempt can get past: the server shutting down or not yet taking
 * connections (57P01–57P03), too many connections (53300), a lost connection (class 08), and the
 * serialization failures and deadlocks that concurrent transactions are expected to retry (40001, 40P01).
 */
export const TRANSIENT_SQLSTATES = ['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '40001', '40P01'] as const;

const transientCodes = new Set<string>([...NETWORK_ERROR_CODES, ...TRANSIENT_SQLSTATES]);

/** What pg and ioredis say, without a code, when a connection went away or never came. */
const TRANSIENT_MESSAGE = /connection terminated|connection (is )?closed|timeout exceeded when trying to connect|stream isn't writeable|is not queryable/i;

/**
 * A backing service (Postgres, Redis, the network to them) failed in a way that may pass: the API
 * answers 503 with Retry-After instead of 500, and the worker lets the queue retry the job. The one
 * rule for both, so they cannot drift apart.
 */
export function isTransientBackendError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && transientCodes.has(code)) return true;
  return TRANSIENT_MESSAGE.test(err.message);
}
