import { ProviderError } from '../../../errors.js';
import type { FailureInfo } from '../../http/retry.js';
import { isRetryableStatus } from '../../http/retry.js';

export const SERVICE = 'weaviate';

/** gRPC status names (as they appear in the client's error messages) → the HTTP status they mean. */
const grpcStatus: Record<string, number> = {
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  // Weaviate answers rejected queries (bad filter, unknown property) with UNKNOWN
  UNKNOWN: 422,
  RESOURCE_EXHAUSTED: 429,
  ABORTED: 409,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * One ProviderError per failed attempt with what the failure means: the official client throws
 * a dozen error classes and folds gRPC statuses into messages, so this reads both.
 */
export function toProviderError(operation: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const text = message(err);
  const name = err instanceof Error ? err.name : '';
  const code = (err as { code?: unknown } | null)?.code;
  let status: number | undefined;
  let retryable: boolean;
  let detail = text;

  if (name === 'WeaviateUnauthenticatedError' || /\bUNAUTHENTICATED\b|Unauthenticated:/.test(text)) {
    status = 401;
    retryable = false;
    detail = `authentication failed (check WEAVIATE_API_KEY): ${text}`;
  } else if (name === 'WeaviateInsufficientPermissionsError' || /\bPERMISSION_DENIED\b|Forbidden:/.test(text)) {
    status = 403;
    retryable = false;
    detail = `permission denied for this API key: ${text}`;
  } else if (name === 'WeaviateUnexpectedStatusCodeError' && typeof code === 'number') {
    status = code;
    retryable = isRetryableStatus(code);
  } else if (name === 'WeaviateRequestTimeoutError' || name === 'TimeoutError' || /DEADLINE_EXCEEDED/.test(text)) {
    status = 504;
    retryable = true;
    detail = `timed out: ${text}`;
  } else if (grpcName(text) !== undefined) {
    status = grpcStatus[grpcName(text)!]!;
    retryable = isRetryableStatus(status);
  } else if (isUnreachable(err)) {
    retryable = true;
    detail = `unreachable: ${text}`;
  } else {
    retryable = false;
  }
  return new ProviderError(SERVICE, operation, detail.replace(/\s+/g, ' ').trim(), { status, retryable, cause: err });
}

/** nice-grpc messages look like "/weaviate.v1.Weaviate/Search UNAVAILABLE: details" */
function grpcName(text: string): string | undefined {
  const found = /\/[\w.]+\/\w+ ([A-Z_]+):/.exec(text)?.[1];
  return found !== undefined && found in grpcStatus ? found : undefined;
}

function isUnreachable(err: unknown): boolean {
  const text = message(err);
  const cause = (err as { cause?: { code?: string } } | null)?.cause?.code;
  return (
    err instanceof TypeError ||
    name(err) === 'WeaviateGRPCUnavailableError' ||
    /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|fetch failed|socket hang up|gRPC health check/i.test(text) ||
    (cause !== undefined && /^E[A-Z]+$/.test(cause))
  );
}

function name(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

/** The retry loop's view of a failure: retry it? does it say Weaviate is unhealthy? */
export function classify(err: unknown): FailureInfo {
  const e = toProviderError('call', err);
  const status = e.options.status;
  const retryable = e.options.retryable ?? false;
  return {
    retryable,
    unhealthy: retryable && (status === undefined || status === 429 || status >= 500),
    status,
    retryAfterMs: null,
    label: status === undefined ? (retryable ? 'unreachable' : 'error') : status === 504 ? 'timeout' : `status ${status}`,
  };
}

/** Searching a collection that another process just dropped: an empty index, not a failure. */
export function isMissingCollection(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (name(err) === 'WeaviateUnexpectedStatusCodeError' && code === 404) return true;
  return /could not find class|class .* not found|collection .* not found|not found in schema/i.test(message(err));
}
