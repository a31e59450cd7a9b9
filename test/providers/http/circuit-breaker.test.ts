import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from '../../../src/providers/http/circuit-breaker.js';

function breaker(threshold = 3, cooldownMs = 1000) {
  const clock = { t: 0 };
  const b = new CircuitBreaker({ failureThreshold: threshold, cooldownMs, now: () => clock.t });
  return { b, clock };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold and counts only consecutive failures', () => {
    const { b } = breaker(3);
    b.onFailure();
    b.onFailure();
    b.onSuccess();
    b.onFailure();
    b.onFailure();
    assert.equal(b.state, 'closed');
    assert.equal(b.tryAcquire(), true);
  });

  it('opens at the threshold and refuses requests during the cooldown', () => {
    const { b, clock } = breaker(3, 1000);
    for (let i = 0; i < 3; i++) b.onFailure();
    assert.equal(b.state, 'open');
    assert.equal(b.tryAcquire(), false);
    clock.t = 400;
    assert.equal(b.retryInMs(), 600);
    assert.equal(b.tryAcquire(), false);
  });

  it('half-opens after the cooldown and lets exactly one probe through', () => {
    const { b, clock } = breaker(1, 1000);
    b.onFailure();
    clock.t = 1000;
    assert.equal(b.state, 'half-open');
    assert.equal(b.tryAcquire(), true);
    assert.equal(b.tryAcquire(), false, 'a second request waits for the probe');
  });

  it('closes when the probe succeeds', () => {
    const { b, clock } = breaker(1, 1000);
    b.onFailure();
    clock.t = 1000;
    assert.equal(b.tryAcquire(), true);
    b.onSuccess();
    assert.equal(b.state, 'closed');
    assert.equal(b.tryAcquire(), true);
    assert.equal(b.tryAcquire(), true);
  });

  it('re-opens for a full cooldown when the probe fails', () => {
    const { b, clock } = breaker(1, 1000);
    b.onFailure();
    clock.t = 1500;
    assert.equal(b.tryAcquire(), true);
    b.onFailure();
    assert.equal(b.state, 'open');
    clock.t = 2400;
    assert.equal(b.tryAcquire(), false);
    clock.t = 2500;
    assert.equal(b.tryAcquire(), true);
  });

  it('lets a new probe through when the previous one was abandoned', () => {
    const { b, clock } = breaker(1, 1000);
    b.onFailure();
    clock.t = 1000;
    assert.equal(b.tryAcquire(), true);
    b.onAbandon();
    assert.equal(b.tryAcquire(), true);
  });
});
