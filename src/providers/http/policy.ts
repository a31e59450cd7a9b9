import type { Config } from '../../config.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { RetryPolicy } from './retry.js';

/** The retry policy from PROVIDER_* settings; a provider may override the retry count or base delay. */
export function retryPolicyFrom(config: Config, over: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    maxRetries: config.providers.maxRetries,
    baseDelayMs: config.providers.retryBaseMs,
    maxDelayMs: config.providers.retryMaxDelayMs,
    ...over,
  };
}

/** A fresh breaker (one per provider instance, i.e. per process) from PROVIDER_BREAKER_* settings. */
export function breakerFrom(config: Config): CircuitBreaker {
  return new CircuitBreaker({
    failureThreshold: config.providers.breakerThreshold,
    cooldownMs: config.providers.breakerCooldownMs,
  });
}
