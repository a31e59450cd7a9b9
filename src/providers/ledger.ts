import type { Logger } from 'pino';
import type { Prices } from '../config.js';
import type { ExternalCall, ExternalCallsRepository } from '../repositories/external-calls.repository.js';
import { traced } from '../tracing/tracing.js';

/** Per-call context every provider method takes: which job pays, and when to give up. */
export interface CallContext {
  jobId: string | null;
  signal?: AbortSignal;
}

export const noJob: CallContext = { jobId: null };

export interface CallOutcome<T> {
  result: T;
  /** 'fallback' for a built-in stand-in answering in a provider's place; default 'ok' */
  status?: 'ok' | 'fallback';
  units?: Record<string, number>;
  costUsd?: number;
  httpStatus?: number;
}

/** What a failed call still cost (units, money) and the HTTP status it ended with, read off its error. */
export type ErrorCost = (err: unknown) => { units?: Record<string, number>; costUsd?: number; httpStatus?: number };

/**
 * The external-call ledger. Every provider call goes through `track`, success or failure, so
 * `external_calls` is the complete record of what the service spent and how long it waited.
 * A ledger write that fails is logged, never allowed to fail the call it describes.
 */
export class Ledger {
  constructor(
    private readonly repo: ExternalCallsRepository,
    readonly prices: Prices,
    private readonly logger?: Logger,
  ) {}

  /**
   * A ledger that records nothing: for local work whose caller does its own accounting (an import's
   * worker threads) and for stand-ins outside the service (benchmarks, the fake servers).
   */
  static silent(prices: Prices): Ledger {
    return new Ledger({ insert: async () => {} } as unknown as ExternalCallsRepository, prices);
  }

  private readonly observers = new Set<(call: ExternalCall) => void>();

  /** Sees every call as it is recorded (used by metrics); returns the function that unsubscribes. */
  observe(fn: (call: ExternalCall) => void): () => void {
    this.observers.add(fn);
    return () => void this.observers.delete(fn);
  }

  async record(ctx: CallContext, call: Omit<ExternalCall, 'jobId'>): Promise<void> {
    for (const fn of this.observers) fn({ ...call, jobId: ctx.jobId });
    try {
      await this.repo.insert({ ...call, jobId: ctx.jobId });
    } catch (err) {
      this.logger?.warn({ err, service: call.service, operation: call.operation }, 'ledger write failed');
    }
  }

  /** Runs and records one provider call (a client span when tracing is on). */
  track<T>(
    ctx: CallContext,
    service: string,
    operation: string,
    fn: () => Promise<CallOutcome<T>>,
    onError?: ErrorCost,
  ): Promise<T> {
    return traced(`${service} ${operation}`, { 'scout.service': service, 'scout.operation': operation, ...(ctx.jobId ? { 'scout.job_id': ctx.jobId } : {}) }, () =>
      this.trackCall(ctx, service, operation, fn, onError),
    );
  }

  private async trackCall<T>(
    ctx: CallContext,
    service: string,
    operation: string,
    fn: () => Promise<CallOutcome<T>>,
    onError?: ErrorCost,
  ): Promise<T> {
    const started = performance.now();
    try {
      const out = await fn();
      await this.record(ctx, {
        service,
        operation,
        status: out.status ?? 'ok',
        httpStatus: out.httpStatus ?? null,
        durationMs: performance.now() - started,
        units: out.units ?? {},
        costUsd: out.costUsd ?? 0,
      });
      return out.result;
    } catch (err) {
      const extra = onError?.(err) ?? {};
      await this.record(ctx, {
        service,
        operation,
        status: 'error',
        httpStatus: extra.httpStatus ?? httpStatusOf(err),
        durationMs: performance.now() - started,
        units: extra.units ?? {},
        costUsd: extra.costUsd ?? 0,
        error: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  }
}

function httpStatusOf(err: unknown): number | null {
  if (err && typeof err === 'object' && 'status' in err && typeof err.status === 'number') return err.status;
  if (err && typeof err === 'object' && 'options' in err) {
    const o = (err as { options?: { status?: unknown } }).options;
    if (typeof o?.status === 'number') return o.status;
  }
  return null;
}
