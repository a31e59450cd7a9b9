import { ProviderError } from '../../errors.js';
import { abortReason, sleep } from './abort.js';
import { fullJitterDelay } from './backoff.js';
import type { CircuitBreaker } from './circuit-breaker.js';

/** What one failed attempt means for the retry loop and the circuit breaker. */
export interface FailureInfo {
  retryable: boolean;
  /** the provider looks unhealthy (5xx, 429, timeout, network): counts towards opening the circuit */
  unhealthy: boolean;
  /** nothing was sent (e.g. a gate refused): says nothing about the provider's health */
  notSent?: boolean;
  status?: number;
  /** the provider's Retry-After, when it sent one */
  retryAfterMs?: number | null;
  /** short label for the summary, e.g. "HTTP 503" or "timeout" */
  label: string;
}

export interface RetryPolicy {
  /** retries after the first attempt (0 = one attempt only) */
  maxRetries: number;
  baseDelayMs: number;
  /** cap on any single wait; a Retry-After longer than this makes us give up instead of waiting */
  maxDelayMs: number;
}

export interface RetryOptions extends RetryPolicy {
  service: string;
  operation: string;
  /** the caller's signal: aborting it stops the loop at once and rethrows its reason */
  signal?: AbortSignal;
  breaker?: CircuitBreaker;
  classify: (err: unknown) => FailureInfo;
  random?: () => number;
  onRetry?: (info: { attempt: number; delayMs: number; failure: FailureInfo; error: unknown }) => void;
}

/**
 * The longest one logical call can take while its provider is down: every attempt runs into its
 * timeout, and every wait is the longest the policy allows — the full-jitter ceiling
 * min(cap, base·2^(n-1)), or the cap itself when the provider sends Retry-After (a longer one
 * makes us give up at once). docs/providers.md states the job-level bounds built from this.
 */
export function worstCaseCallMs(policy: RetryPolicy, timeoutMs: number, opts: { retryAfter?: boolean } = {}): number {
  let total = (policy.maxRetries + 1) * timeoutMs;
  for (let n = 1; n <= policy.maxRetries; n++) {
    total += opts.retryAfter ? policy.maxDelayMs : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
  }
  return total;
}

/** Statuses worth another attempt: rate limits, timeouts and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/**
 * Runs `fn` with bounded retries (full-jitter exponential backoff, `Retry-After` honoured) behind an
 * optional circuit breaker. When it gives up it throws one ProviderError that summarises every
 * attempt; the caller's abort is rethrown untouched, never retried and never counted as a failure.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const history: string[] = [];
  let last: { err: unknown; failure: FailureInfo } | null = null;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    if (opts.breaker && !opts.breaker.tryAcquire()) {
      const wait = Math.ceil(opts.breaker.retryInMs() / 1000);
      // not an attempt: nothing was sent, so it is the reason, not an entry of the history
      throw giveUp(opts, history, last, `circuit open after repeated failures (next probe in ${wait}s)`);
    }
    try {
      const result = await fn(attempt);
      opts.breaker?.onSuccess();
      return result;
    } catch (err) {
      if (opts.signal?.aborted) {
        opts.breaker?.onAbandon();
        throw abortReason(opts.signal);
      }
      const failure = opts.classify(err);
      if (failure.notSent) opts.breaker?.onAbandon();
      else if (failure.unhealthy) opts.breaker?.onFailure();
      else opts.breaker?.onSuccess();
      history.push(failure.label);
      last = { err, failure };
      if (!failure.retryable || attempt > opts.maxRetries) throw giveUp(opts, history, last);
      const retryAfter = failure.retryAfterMs ?? null;
      if (retryAfter !== null && retryAfter > opts.maxDelayMs) {
        throw giveUp(opts, history, last, `provider asked to retry after ${Math.ceil(retryAfter / 1000)}s, longer than we wait`);
      }
      const delayMs = retryAfter ?? fullJitterDelay(attempt, opts.baseDelayMs, opts.maxDelayMs, opts.random);
      opts.onRetry?.({ attempt, delayMs, failure, error: err });
      await sleep(delayMs, opts.signal);
    }
  }
}

function giveUp(
  opts: RetryOptions,
  history: string[],
  last: { err: unknown; failure: FailureInfo } | null,
  reason?: string,
): ProviderError {
  // `history` holds one label per attempt that reached the provider (or its gate), so the count
  // and the list always agree: "gave up after 3 attempts [HTTP 429, HTTP 429, HTTP 429]: circuit open …"
  const attempts = history.length;
  const detail = last ? messageOf(last.err) : '';
  const parts = [
    attempts > 1 || (reason && attempts > 0) ? `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} [${history.join(', ')}]` : null,
    reason ?? null,
    detail || null,
  ].filter((p): p is string => p !== null);
  return new ProviderError(opts.service, opts.operation, parts.join(': '), {
    status: last?.failure.status,
    retryable: last ? last.failure.retryable : true,
    cause: last?.err,
    attempts,
  });
}

function messageOf(err: unknown): string {
  if (err instanceof ProviderError) {
    const prefix = `${err.service}.${err.operation}: `;
    return err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
