import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../../src/errors.js';
import { CircuitBreaker } from '../../../src/providers/http/circuit-breaker.js';
import { isRetryableStatus, withRetry } from '../../../src/providers/http/retry.js';
import type { FailureInfo, RetryOptions } from '../../../src/providers/http/retry.js';

class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | null = null,
  ) {
    super(`HTTP ${status}`);
  }
}

const classify = (err: unknown): FailureInfo =>
  err instanceof StatusError
    ? {
        retryable: isRetryableStatus(err.status),
        unhealthy: err.status === 429 || err.status >= 500,
        status: err.status,
        retryAfterMs: err.retryAfterMs,
        label: `HTTP ${err.status}`,
      }
    : { retryable: false, unhealthy: false, label: 'error' };

function options(over: Partial<RetryOptions> = {}): RetryOptions & { delays: number[] } {
  const delays: number[] = [];
  return {
    service: 'svc',
    operation: 'op',
    maxRetries: 3,
    baseDelayMs: 8,
    maxDelayMs: 1000,
    classify,
    random: () => 0.5,
    onRetry: ({ delayMs }) => delays.push(delayMs),
    ...over,
    delays,
  };
}

/** fn that fails with the given errors in order, then returns "ok". */
function script(...errors: Error[]) {
  const calls = { n: 0 };
  const fn = async () => {
    const e = errors[calls.n++];
    if (e) throw e;
    return 'ok';
  };
  return { fn, calls };
}

describe('withRetry', () => {
  it('retries 5xx and 429 with jittered exponential backoff, then succeeds', async () => {
    const { fn, calls } = script(new StatusError(500), new StatusError(429), new StatusError(503));
    const opts = options();
    assert.equal(await withRetry(fn, opts), 'ok');
    assert.equal(calls.n, 4);
    assert.deepEqual(opts.delays, [4, 8, 16]);
  });

  it('honours Retry-After instead of its own backoff', async () => {
    const { fn } = script(new StatusError(429, 30), new StatusError(503, 0));
    const opts = options();
    await withRetry(fn, opts);
    assert.deepEqual(opts.delays, [30, 0]);
  });

  it('gives up with one summarising ProviderError after the retries are spent', async () => {
    const { fn, calls } = script(...Array.from({ length: 10 }, () => new StatusError(502)));
    const err = await withRetry(fn, options({ maxRetries: 2 })).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(calls.n, 3);
    assert.equal(err.options.attempts, 3);
    assert.equal(err.options.status, 502);
    assert.match(err.message, /^svc\.op: gave up after 3 attempts \[HTTP 502, HTTP 502, HTTP 502\]/);
  });

  it('does not retry a non-retryable status', async () => {
    const { fn, calls } = script(new StatusError(401));
    const err = await withRetry(fn, options()).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(calls.n, 1);
    assert.equal(err.options.status, 401);
    assert.equal(err.options.retryable, false);
  });

  it('gives up instead of waiting when Retry-After is longer than the cap', async () => {
    const { fn, calls } = script(new StatusError(429, 60_000));
    const err = await withRetry(fn, options({ maxDelayMs: 5000 })).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(calls.n, 1);
    assert.match(err.message, /retry after 60s/);
  });

  it('stops at once and rethrows the reason when the caller aborts', async () => {
    const ac = new AbortController();
    const calls = { n: 0 };
    const fn = async () => {
      calls.n++;
      ac.abort(new Error('job cancelled'));
      throw new StatusError(500);
    };
    await assert.rejects(withRetry(fn, options({ signal: ac.signal })), /job cancelled/);
    assert.equal(calls.n, 1);
  });

  it('aborts a backoff wait when the caller aborts', async () => {
    const ac = new AbortController();
    const fn = async () => {
      throw new StatusError(503, 60_000);
    };
    const p = withRetry(fn, options({ signal: ac.signal, maxDelayMs: 120_000 }));
    setImmediate(() => ac.abort(new Error('shutdown')));
    await assert.rejects(p, /shutdown/);
  });

  it('opens the circuit breaker and then fails fast without calling the provider', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 60_000 });
    const { fn, calls } = script(...Array.from({ length: 10 }, () => new StatusError(500)));
    const first = await withRetry(fn, options({ breaker, maxRetries: 5 })).catch((e: unknown) => e);
    assert.ok(first instanceof ProviderError);
    assert.equal(calls.n, 2, 'the third attempt is refused by the open circuit');
    // the count and the list agree: two attempts, and the open circuit as the reason, not a third entry
    assert.match(first.message, /^svc\.op: gave up after 2 attempts \[HTTP 500, HTTP 500\]: circuit open after repeated failures/);
    const second = await withRetry(fn, options({ breaker })).catch((e: unknown) => e);
    assert.ok(second instanceof ProviderError);
    assert.equal(calls.n, 2, 'no request while open');
    assert.equal(breaker.state, 'open');
  });

  it('after the cooldown sends one probe: success closes the circuit, failure re-opens it', async () => {
    const clock = { t: 0 };
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1000, now: () => clock.t });
    const failing = script(...Array.from({ length: 10 }, () => new StatusError(503)));
    await withRetry(failing.fn, options({ breaker })).catch(() => {});
    assert.equal(failing.calls.n, 1);
    clock.t = 1000;
    await assert.rejects(withRetry(failing.fn, options({ breaker })), /circuit open/);
    assert.equal(failing.calls.n, 2, 'exactly one probe, then open again');
    clock.t = 2000;
    const healthy = script();
    assert.equal(await withRetry(healthy.fn, options({ breaker })), 'ok');
    assert.equal(breaker.state, 'closed');
  });

  it('client errors do not open the breaker', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 60_000 });
    const { fn } = script(new StatusError(400));
    await withRetry(fn, options({ breaker })).catch(() => {});
    assert.equal(breaker.state, 'closed');
  });
});
