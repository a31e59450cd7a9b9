export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** consecutive failures that open the circuit */
  failureThreshold: number;
  /** how long the circuit stays open before one probe request is let through */
  cooldownMs: number;
  now?: () => number;
}

/**
 * Per-process circuit breaker for one provider. Closed: everything passes and consecutive failures
 * are counted. Open: nothing passes until the cooldown has elapsed, so a provider that is down is not
 * hammered and callers fail fast. Half-open: exactly one probe passes; its success closes the
 * circuit, its failure opens it again for another cooldown.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private probeStartedAt: number | null = null;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.options.cooldownMs ? 'half-open' : 'open';
  }

  /** Milliseconds until a request may pass again (0 when it may pass now). */
  retryInMs(): number {
    if (this.openedAt === null) return 0;
    return Math.max(0, this.openedAt + this.options.cooldownMs - this.now());
  }

  /** Asks to send one request; false means fail fast without sending. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open') return false;
    // Half-open: one probe at a time; a probe that never reported back (caller gone) expires.
    const now = this.now();
    if (this.probeStartedAt !== null && now - this.probeStartedAt < this.options.cooldownMs) return false;
    this.probeStartedAt = now;
    return true;
  }

  onSuccess(): void {
    this.failures = 0;
    this.openedAt = null;
    this.probeStartedAt = null;
  }

  onFailure(): void {
    if (this.openedAt !== null) {
      // A failed probe (or a late failure while open) restarts the cooldown.
      this.openedAt = this.now();
      this.probeStartedAt = null;
      return;
    }
    this.failures++;
    if (this.failures >= this.options.failureThreshold) this.openedAt = this.now();
  }

  /** The request was abandoned by its caller: it says nothing about the provider's health. */
  onAbandon(): void {
    this.probeStartedAt = null;
  }
}

/**
 * One breaker per operation of a provider, created on first use with the same settings. A
 * provider whose operations can fail independently (Weaviate: gRPC search down while REST schema
 * reads succeed) must not let a healthy operation's success reset a failing one's count.
 */
export class CircuitBreakers {
  private readonly byKey = new Map<string, CircuitBreaker>();

  constructor(private readonly options: CircuitBreakerOptions) {}

  for(key: string): CircuitBreaker {
    let breaker = this.byKey.get(key);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options);
      this.byKey.set(key, breaker);
    }
    return breaker;
  }

  /** State of every breaker used so far, by key. */
  states(): Record<string, BreakerState> {
    return Object.fromEntries([...this.byKey].map(([k, b]) => [k, b.state]));
  }
}
