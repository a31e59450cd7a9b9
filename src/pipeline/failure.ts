import { isTransientBackendError, JobCancelledError, ProviderError } from '../errors.js';
import { IndexEmbedderMismatchError } from '../providers/search-index/creator-index.js';

/** The worker is shutting down: the job goes back to the queue and resumes elsewhere. */
export class JobHandBackError extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} was handed back because the worker is shutting down`);
    this.name = 'JobHandBackError';
  }
}

/** The job ran past JOB_TIMEOUT_MS. */
export class JobTimeoutError extends Error {
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
  ) {
    super(`the job did not finish within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`);
    this.name = 'JobTimeoutError';
  }
}

export interface FailureDescription {
  /** stable code stored in the job's `error` and the `failed` event */
  code: 'provider_failed' | 'index_mismatch' | 'timeout' | 'unavailable' | 'internal' | 'gave_up';
  /** safe to show to the client: no secrets, no stack */
  message: string;
  /** a later attempt may succeed (provider outage, lost connection) */
  retryable: boolean;
}

/** Strips anything that looks like a credential from a message that leaves the worker. */
export function redactSecrets(message: string): string {
  return message
    .replace(/(bearer\s+)[^\s"',]+/gi, '$1[redacted]')
    .replace(/((?:api[_-]?key|token|secret|password|authorization|key)["']?\s*[:=]\s*["']?)[^\s"'&,]+/gi, '$1[redacted]')
    .replace(/\/\/[^/\s:@]+:[^/\s@]+@/g, '//[redacted]@')
    .replace(/\b(sk|isk|whsec)[-_][A-Za-z0-9_-]{8,}/g, '[redacted]')
    .slice(0, 500);
}

/** What a failed run tells its client, and whether BullMQ should try again. */
export function describeFailure(err: unknown, stage: string | null): FailureDescription {
  if (err instanceof JobTimeoutError) return { code: 'timeout', message: err.message, retryable: false };
  if (err instanceof IndexEmbedderMismatchError) return { code: 'index_mismatch', message: err.message, retryable: false };
  if (err instanceof ProviderError) {
    return { code: 'provider_failed', message: redactSecrets(err.message), retryable: err.options.retryable !== false };
  }
  if (isTransientBackendError(err)) {
    return { code: 'unavailable', message: `a backing service was unavailable during the ${stage ?? 'start'} stage`, retryable: true };
  }
  return { code: 'internal', message: `internal error during the ${stage ?? 'start'} stage`, retryable: false };
}

export function isCancellation(err: unknown): err is JobCancelledError {
  return err instanceof JobCancelledError;
}
