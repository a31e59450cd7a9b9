import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { postWebhook } from '../../src/webhooks/webhook-sender.js';
import { computeSignature, signatureHeader, verifySignature } from '../../src/webhooks/webhook-signature.js';
import { isPrivateAddress, validateWebhookUrl, WebhookUrlError } from '../../src/webhooks/webhook-url.js';

describe('webhook URL policy', () => {
  test('private, loopback, link-local, shared, reserved and mapped addresses are private', () => {
    for (const a of [
      '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254',
      '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1',
      '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::',
      'not-an-ip',
    ]) {
      assert.equal(isPrivateAddress(a), true, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '93.184.216.34', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(isPrivateAddress(a), false, a);
    }
  });

  test('https only in production; no credentials, fragments or private targets unless allowed', async () => {
    const prod = { requireHttps: true, allowPrivate: false };
    const dev = { requireHttps: false, allowPrivate: false };
    const open = { requireHttps: false, allowPrivate: true };
    await assert.rejects(validateWebhookUrl('http://8.8.8.8/hook', prod), /https/);
    assert.ok(await validateWebhookUrl('https://8.8.8.8/hook', prod));
    assert.ok(await validateWebhookUrl('http://8.8.8.8/hook', dev));
    for (const url of ['http://127.0.0.1/x', 'http://localhost/x', 'http://api.localhost/x', 'http://[::1]:80/x', 'http://10.0.0.5/x', 'http://[::ffff:7f00:1]/x']) {
      await assert.rejects(validateWebhookUrl(url, dev), WebhookUrlError, url);
    }
    await assert.rejects(validateWebhookUrl('http://u:p@8.8.8.8/x', dev), /credentials/);
    await assert.rejects(validateWebhookUrl('http://8.8.8.8/x#frag', dev), /fragment/);
    await assert.rejects(validateWebhookUrl('gopher://8.8.8.8/x', dev), /http/);
    await assert.rejects(validateWebhookUrl('not a url', dev), /absolute URL/);
    assert.ok(await validateWebhookUrl('http://127.0.0.1:9/x', open));
  });

  test('every resolved address is checked: a name that resolves to loopback is refused', async () => {
    // "localhost" is caught by name; this one goes through the resolver (the hosts file maps it).
    await assert.rejects(validateWebhookUrl('http://localhost./x', { requireHttps: false, allowPrivate: false }), WebhookUrlError);
    await assert.rejects(validateWebhookUrl('http://no-such-host.invalid/x', { requireHttps: false, allowPrivate: false }), /does not resolve/);
  });

  test('the connection-time guard refuses a name that resolves to a private address', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      await assert.rejects(
        postWebhook(new URL(`http://localhost:${port}/`), '{}', {}, { timeoutMs: 2000, allowPrivate: false }),
        /private address/,
      );
      const ok = await postWebhook(new URL(`http://localhost:${port}/`), '{}', {}, { timeoutMs: 2000, allowPrivate: true });
      assert.equal(ok.status, 200);
    } finally {
      server.close();
    }
  });
});

describe('webhook signatures', () => {
  test('HMAC-SHA256 over "<t>.<body>", verified in constant time with a timestamp tolerance', () => {
    const secret = 'whsec_test';
    const body = '{"type":"job.completed"}';
    const t = 1_700_000_000;
    const header = signatureHeader(secret, t, body);
    assert.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/);
    assert.equal(computeSignature(secret, t, body).length, 64);
    assert.equal(verifySignature(secret, header, body, { now: t + 10 }), true);
    assert.equal(verifySignature(secret, header, `${body} `, { now: t }), false, 'body changed');
    assert.equal(verifySignature('whsec_other', header, body, { now: t }), false, 'other secret');
    assert.equal(verifySignature(secret, header, body, { now: t + 301 }), false, 'too old');
    assert.equal(verifySignature(secret, header.replace('t=1700000000', 't=1700000001'), body, { now: t }), false, 'timestamp is signed');
    assert.equal(verifySignature(secret, 'garbage', body, { now: t }), false);
  });
});
