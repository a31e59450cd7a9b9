import { ProviderError } from '../../errors.js';
import type { CallContext, CallOutcome, Ledger } from '../ledger.js';
import { attemptSignal, isTimeoutError } from './abort.js';
import { parseRetryAfter } from './backoff.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { isRetryableStatus, withRetry } from './retry.js';
import type { FailureInfo, RetryPolicy } from './retry.js';

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON request body */
  json?: unknown;
  /** ledger operation name, e.g. "scrape" */
  operation: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** A non-2xx answer. The body is kept (truncated) because providers explain themselves in it. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfterMs: number | null,
  ) {
    super(`HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}`);
    this.name = 'HttpError';
  }
}

/** A gate refused the attempt: nothing was sent. `cause` is the gate's own error. */
export class GateClosedError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'GateClosedError';
  }
}

/** Admission control in front of every attempt (e.g. the BrightData 429 guard). */
export interface RequestGate {
  /** resolves with a lease when a request may be sent; throws when none may be sent now */
  acquire(signal?: AbortSignal): Promise<GateLease>;
}
export interface GateLease {
  /** status of the answer, or null when there was none (network error, timeout) */
  release(outcome: { status: number | null }): Promise<void>;
}

export interface HttpClientOptions {
  service: string;
  baseUrl: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  retry: RetryPolicy;
  breaker?: CircuitBreaker;
  gate?: RequestGate;
  /** every attempt is recorded in the ledger when given */
  ledger?: Ledger;
  random?: () => number;
}

type ErrorUnits = (err: unknown) => { units?: Record<string, number>; costUsd?: number; httpStatus?: number };

/**
 * JSON-over-HTTP client shared by the production providers: a timeout per attempt combined with the
 * caller's signal, retries with jittered backoff honouring Retry-After, the circuit breaker, an
 * optional gate, and one ledger row per attempt (each attempt is a call the provider may bill).
 */
export class HttpClient {
  constructor(private readonly opts: HttpClientOptions) {}

  get service(): string {
    return this.opts.service;
  }

  /**
   * Sends `req` until `interpret` accepts a 2xx answer or the retry policy gives up (ProviderError).
   * `interpret` runs inside the attempt: it may throw to reject a malformed answer.
   */
  async call<T>(
    req: HttpRequest,
    ctx: CallContext,
    interpret: (res: HttpResponse) => CallOutcome<T> | Promise<CallOutcome<T>>,
    errorUnits?: ErrorUnits,
  ): Promise<T> {
    return withRetry((_attempt) => this.attempt(req, ctx, interpret, errorUnits), {
      ...this.opts.retry,
      service: this.opts.service,
      operation: req.operation,
      signal: ctx.signal,
      breaker: this.opts.breaker,
      classify: classifyHttpFailure,
      random: this.opts.random,
    });
  }

  private async attempt<T>(
    req: HttpRequest,
    ctx: CallContext,
    interpret: (res: HttpResponse) => CallOutcome<T> | Promise<CallOutcome<T>>,
    errorUnits?: ErrorUnits,
  ): Promise<T> {
    const lease = this.opts.gate
      ? await this.opts.gate.acquire(ctx.signal).catch((err: unknown) => {
          throw ctx.signal?.aborted ? err : new GateClosedError(err);
        })
      : null;
    let status: number | null = null;
    const run = async (): Promise<CallOutcome<T>> => {
      const res = await this.send(req, ctx.signal);
      status = res.status;
      if (res.status < 200 || res.status >= 300) {
        throw new HttpError(res.status, res.text, parseRetryAfter(res.headers.get('retry-after')));
      }
      return { httpStatus: res.status, ...(await interpret(res)) };
    };
    try {
      if (this.opts.ledger) return await this.opts.ledger.track(ctx, this.opts.service, req.operation, run, errorUnits);
      return (await run()).result;
    } finally {
      await lease?.release({ status });
    }
  }

  private async send(req: HttpRequest, parent?: AbortSignal): Promise<HttpResponse> {
    const url = new URL(req.path.replace(/^\//, ''), this.opts.baseUrl.endsWith('/') ? this.opts.baseUrl : `${this.opts.baseUrl}/`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const signal = attemptSignal(req.timeoutMs ?? this.opts.timeoutMs, parent);
    const headers: Record<string, string> = { accept: 'application/json', ...this.opts.headers };
    if (req.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, {
      method: req.method,
      headers,
      body: req.json === undefined ? undefined : JSON.stringify(req.json),
      signal,
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
}

/** How the retry loop treats an attempt's failure. */
export function classifyHttpFailure(err: unknown): FailureInfo {
  if (err instanceof HttpError) {
    return {
      retryable: isRetryableStatus(err.status),
      unhealthy: err.status === 429 || err.status >= 500,
      status: err.status,
      retryAfterMs: err.retryAfterMs,
      label: `HTTP ${err.status}`,
    };
  }
  if (err instanceof GateClosedError) return { retryable: false, unhealthy: false, notSent: true, label: 'not sent' };
  if (isTimeoutError(err)) return { retryable: true, unhealthy: true, label: 'timeout' };
  if (err instanceof ProviderError) {
    return { retryable: err.options.retryable ?? false, unhealthy: false, status: err.options.status, label: 'bad answer' };
  }
  // fetch() rejects with a TypeError for connection-level failures (refused, reset, DNS).
  if (err instanceof TypeError) return { retryable: true, unhealthy: true, label: 'network error' };
  return { retryable: false, unhealthy: false, label: err instanceof Error ? err.name : 'error' };
}

/** Parses a JSON body or throws a non-retryable ProviderError naming the operation. */
export function parseJsonBody<T = unknown>(service: string, operation: string, res: HttpResponse): T {
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw new ProviderError(service, operation, `answer is not JSON: ${res.text.slice(0, 200)}`, {
      status: res.status,
      retryable: false,
    });
  }
}
