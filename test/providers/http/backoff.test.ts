import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullJitterDelay, parseRetryAfter } from '../../../src/providers/http/backoff.js';

describe('fullJitterDelay', () => {
  it('draws uniformly below an exponentially growing ceiling', () => {
    assert.equal(fullJitterDelay(1, 100, 10_000, () => 0.999999), 99);
    assert.equal(fullJitterDelay(2, 100, 10_000, () => 0.5), 100);
    assert.equal(fullJitterDelay(4, 100, 10_000, () => 0.5), 400);
    assert.equal(fullJitterDelay(3, 100, 10_000, () => 0), 0);
  });

  it('never exceeds the cap', () => {
    assert.equal(fullJitterDelay(30, 100, 5_000, () => 0.999999), 4999);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('10', now), 10_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('1.5', now), 1500);
  });

  it('reads an HTTP date relative to now', () => {
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:07 GMT', now), 7000);
  });

  it('treats a date in the past as "now"', () => {
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0);
  });

  it('returns null for absent or garbage values', () => {
    assert.equal(parseRetryAfter(null, now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter('', now), null);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter('-5', now), null);
  });
});
