import { CircuitBreaker } from '../providers/http/circuit-breaker.js';

export interface DeliverySchedulerOptions {
  /** delivery slots of this worker */
  concurrency: number;
  /** slots one API key may hold at once */
  perKey: number;
  /** consecutive failures that open a destination's circuit */
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  now?: () => number;
}

export type Admission = { go: true; release(outcome: 'ok' | 'failed'): void } | { go: false; waitMs: number; why: string };

/**
 * Fair use of the webhook worker's slots (per process): one API key holds at most `perKey` slots,
 * retries hold at most half of them (first attempts of other keys always find a slot), and a
 * destination that keeps failing is skipped while its circuit is open. A delivery that may not go
 * now is put back for `waitMs` without counting as an attempt.
 */
export class DeliveryScheduler {
  private readonly perKey = new Map<string, number>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private retriesActive = 0;
  private readonly retrySlots: number;

  constructor(private readonly opts: DeliverySchedulerOptions) {
    this.retrySlots = Math.max(1, Math.floor(opts.concurrency / 2));
  }

  private breaker(destination: string): CircuitBreaker {
    let b = this.breakers.get(destination);
    if (!b) {
      b = new CircuitBreaker({ failureThreshold: this.opts.breakerThreshold ?? 5, cooldownMs: this.opts.breakerCooldownMs ?? 60_000, now: this.opts.now });
      this.breakers.set(destination, b);
      if (this.breakers.size > 10_000) this.breakers.delete(this.breakers.keys().next().value!);
    }
    return b;
  }

  admit(apiKeyId: string, destination: string, isRetry: boolean): Admission {
    const held = this.perKey.get(apiKeyId) ?? 0;
    const jitter = () => Math.floor(Math.random() * 500);
    if (held >= this.opts.perKey) return { go: false, waitMs: 500 + jitter(), why: 'per-key concurrency' };
    if (isRetry && this.retriesActive >= this.retrySlots) return { go: false, waitMs: 500 + jitter(), why: 'retry slots busy' };
    const breaker = this.breaker(destination);
    if (!breaker.tryAcquire()) return { go: false, waitMs: Math.max(1_000, breaker.retryInMs()) + jitter(), why: 'destination circuit open' };
    this.perKey.set(apiKeyId, held + 1);
    if (isRetry) this.retriesActive++;
    let released = false;
    return {
      go: true,
      release: (outcome) => {
        if (released) return;
        released = true;
        if (outcome === 'ok') breaker.onSuccess();
        else breaker.onFailure();
        const n = (this.perKey.get(apiKeyId) ?? 1) - 1;
        if (n > 0) this.perKey.set(apiKeyId, n);
        else this.perKey.delete(apiKeyId);
        if (isRetry) this.retriesActive--;
      },
    };
  }
}
