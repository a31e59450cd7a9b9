import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeliveryScheduler } from '../../src/webhooks/delivery-scheduler.js';

test('one key holds at most its share of slots; others still get theirs', () => {
  const s = new DeliveryScheduler({ concurrency: 8, perKey: 2 });
  const a1 = s.admit('key_a', 'https://a.example', false);
  const a2 = s.admit('key_a', 'https://a.example', false);
  const a3 = s.admit('key_a', 'https://a.example', false);
  assert.equal(a1.go && a2.go, true);
  assert.equal(a3.go, false);
  assert.equal(s.admit('key_b', 'https://b.example', false).go, true);
  if (a1.go) a1.release('ok');
  assert.equal(s.admit('key_a', 'https://a.example', false).go, true, 'a released slot is usable again');
});

test('retries use at most half of the slots; first attempts are never refused for them', () => {
  const s = new DeliveryScheduler({ concurrency: 4, perKey: 10 });
  assert.equal(s.admit('k1', 'https://x.example', true).go, true);
  assert.equal(s.admit('k2', 'https://y.example', true).go, true);
  assert.equal(s.admit('k3', 'https://z.example', true).go, false);
  assert.equal(s.admit('k3', 'https://z.example', false).go, true);
});

test('a failing destination is paused after the threshold, then probed once after the cooldown', () => {
  let now = 1_000;
  const s = new DeliveryScheduler({ concurrency: 8, perKey: 8, breakerThreshold: 3, breakerCooldownMs: 10_000, now: () => now });
  for (let i = 0; i < 3; i++) {
    const a = s.admit('k', 'https://tarpit.example', false);
    assert.equal(a.go, true);
    if (a.go) a.release('failed');
  }
  const paused = s.admit('k', 'https://tarpit.example', false);
  assert.equal(paused.go, false);
  if (!paused.go) assert.ok(paused.waitMs >= 1_000);
  assert.equal(s.admit('k', 'https://fine.example', false).go, true, 'other destinations are unaffected');
  now += 10_001;
  const probe = s.admit('k', 'https://tarpit.example', false);
  assert.equal(probe.go, true);
  assert.equal(s.admit('k2', 'https://tarpit.example', false).go, false, 'one probe at a time');
  if (probe.go) probe.release('ok');
  assert.equal(s.admit('k2', 'https://tarpit.example', false).go, true, 'a successful probe closes the circuit');
});
