/**
 * A fetch that retries what the API asks to be retried: 429 (rate limit, stream cap) and 503 (queue
 * briefly unreachable), plus 409 `idempotency_in_progress` — each waiting the Retry-After the server
 * sent, or a jittered exponential backoff when it sent none. A wait longer than `maxDelayMs` (a
 * daily quota that resets at midnight) is not waited out: the answer goes back to the caller.
 */
export interface RetryOptions {
  /** retries after the first attempt (default 3) */
  retries?: number;
  /** longest single wait worth making (default 30 s) */
  maxDelayMs?: number;
  /** first backoff when there is no Retry-After (default 500 ms; doubles, full jitter) */
  baseDelayMs?: number;
  /** called before each wait: for logs and tests */
  onRetry?: (info: { attempt: number; status: number; delayMs: number; url: string }) => void;
}

export type RequestFetch = (request: Request) => Promise<Response>;

/** Retry-After (delay-seconds or an HTTP-date) in milliseconds from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** setTimeout that rejects with the signal's reason when it is aborted. */
export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function isRetryable(request: Request, response: Response): boolean {
  if (response.status === 429 || response.status === 503) return true;
  // The first request with this Idempotency-Key is still being handled: asking again is the protocol.
  return response.status === 409 && request.headers.has('Idempotency-Key') && response.headers.has('Retry-After');
}

export function retryingFetch(fetchImpl: RequestFetch, opts: RetryOptions = {}): RequestFetch {
  const retries = opts.retries ?? 3;
  const maxDelayMs = opts.maxDelayMs ?? 30_000;
  const baseDelayMs = opts.baseDelayMs ?? 500;
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      // A Request body can be read once: every attempt sends a copy.
      const response = await fetchImpl(attempt < retries ? request.clone() : request);
      if (attempt >= retries || !isRetryable(request, response)) return response;
      const delayMs = parseRetryAfter(response.headers.get('Retry-After')) ?? Math.random() * baseDelayMs * 2 ** attempt;
      if (delayMs > maxDelayMs) return response;
      await response.body?.cancel().catch(() => {});
      opts.onRetry?.({ attempt: attempt + 1, status: response.status, delayMs, url: request.url });
      await sleep(delayMs, request.signal);
    }
  };
}
