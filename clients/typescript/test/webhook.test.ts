import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signatureHeader, verifySignature } from '../../../src/webhooks/webhook-signature.js';
import { verifyWebhookSignature, WEBHOOK_HEADERS } from '../src/webhook.js';
import { WEBHOOK_HEADERS as SERVER_HEADERS } from '../../../src/webhooks/webhook-signature.js';

const secret = 'whsec_0123456789abcdefghijklmnopqrstuv';
const body = JSON.stringify({ id: 'whd_1', type: 'job.completed', data: { job_id: 'job_1', note: 'naïve café ✓' } });
const now = 1_767_225_600;

test('accepts exactly what the server signs, as text or as the raw bytes received', async () => {
  const header = signatureHeader(secret, now, body);
  assert.equal(await verifyWebhookSignature(secret, header, body, { now }), true);
  assert.equal(await verifyWebhookSignature(secret, header, new TextEncoder().encode(body), { now: now + 299 }), true);
  assert.deepEqual(WEBHOOK_HEADERS, SERVER_HEADERS);
});

test('agrees with the server-side verifier on tampering, wrong secrets, stale timestamps and malformed headers', async () => {
  const good = signatureHeader(secret, now, body);
  const cases: [string, string, string, number][] = [
    ['tampered body', good, body.replace('job_1', 'job_2'), now],
    ['wrong secret', signatureHeader('whsec_other', now, body), body, now],
    ['too old', good, body, now + 301],
    ['from the future', good, body, now - 301],
    ['no v1', `t=${now}`, body, now],
    ['not hex', `t=${now},v1=zz`, body, now],
    ['no t', good.replace(/^t=\d+,/, ''), body, now],
    ['t not a number', good.replace(/^t=\d+/, 't=abc'), body, now],
    ['empty', '', body, now],
  ];
  for (const [name, header, payload, at] of cases) {
    assert.equal(await verifyWebhookSignature(secret, header, payload, { now: at }), false, name);
    assert.equal(verifySignature(secret, header, payload, { now: at }), false, `server agrees: ${name}`);
  }
  // A rotated secret: several v1 entries, one of them right.
  const rotated = `${good.split(',')[0]},v1=${'0'.repeat(64)},${good.split(',')[1]}`;
  assert.equal(await verifyWebhookSignature(secret, rotated, body, { now }), true);
  assert.equal(verifySignature(secret, rotated, body, { now }), true);
});
