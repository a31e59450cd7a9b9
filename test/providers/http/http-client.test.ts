import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ProviderError } from '../../../src/errors.js';
import { CircuitBreaker } from '../../../src/providers/http/circuit-breaker.js';
import { HttpClient, parseJsonBody } from '../../../src/providers/http/http-client.js';
import type { GateLease, HttpClientOptions, RequestGate } from '../../../src/providers/http/http-client.js';
import { waitUntil } from '../../helpers/wait.js';

type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang' | 'drop';

describe('HttpClient', () => {
  let server: http.Server;
  let base: string;
  let replies: Reply[] = [];
  const seen: { method: string; url: string; body: string; auth: string | undefined }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, body, auth: req.headers.authorization });
        const r = replies.shift() ?? { status: 200, body: '{"ok":true}' };
        if (r === 'hang') return;
        if (r === 'drop') return req.socket.destroy();
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(r.body ?? '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    replies = [];
    seen.length = 0;
  });

  const client = (over: Partial<HttpClientOptions> = {}) =>
    new HttpClient({
      service: 'demo',
      baseUrl: base,
      headers: { authorization: 'Bearer k' },
      timeoutMs: 2000,
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 2000 },
      random: () => 0,
      ...over,
    });
  const json = (c: HttpClient) =>
    c.call({ method: 'POST', path: '/things', query: { a: 1, skip: undefined }, json: { x: 1 }, operation: 'things' }, { jobId: null }, (res) => ({
      result: parseJsonBody(c.service, 'things', res),
    }));

  it('sends method, path under the base URL, query, JSON body and headers', async () => {
    assert.deepEqual(await json(client()), { ok: true });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.url, '/api/things?a=1');
    assert.equal(seen[0]!.body, '{"x":1}');
    assert.equal(seen[0]!.auth, 'Bearer k');
  });

  it('retries a 5xx and a dropped connection, then succeeds', async () => {
    replies = [{ status: 503, body: 'busy' }, 'drop'];
    assert.deepEqual(await json(client()), { ok: true });
    assert.equal(seen.length, 3);
  });

  it('honours Retry-After on 429 (a date in the past means retry now)', async () => {
    replies = [{ status: 429, body: 'slow down', headers: { 'retry-after': new Date(0).toUTCString() } }];
    assert.deepEqual(await json(client()), { ok: true });
    assert.equal(seen.length, 2);
  });

  it('does not retry a 401 and keeps the plain-text reason', async () => {
    replies = [{ status: 401, body: 'Invalid credentials' }];
    const err = await json(client()).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.equal(err.options.status, 401);
    assert.match(err.message, /Invalid credentials/);
    assert.equal(seen.length, 1);
  });

  it('times out a hanging attempt, retries, and summarises when every attempt hangs', async () => {
    replies = ['hang', 'hang'];
    const err = await json(client({ timeoutMs: 100, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 10 } })).catch(
      (e: unknown) => e,
    );
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /gave up after 2 attempts \[timeout, timeout\]/);
    // On a busy machine the server may read the second (abandoned) request only after the client
    // gave up; wait for it, or it would take the next test's reply.
    await waitUntil(() => seen.length === 2);
  });

  it('rejects a non-JSON 200 without retrying', async () => {
    replies = [{ status: 200, body: '<html>' }];
    const err = await json(client()).catch((e: unknown) => e);
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /not JSON/);
    assert.equal(seen.length, 1);
  });

  it('passes through the gate on every attempt and reports each status', async () => {
    const statuses: (number | null)[] = [];
    const gate: RequestGate = {
      async acquire(): Promise<GateLease> {
        return { release: async ({ status }) => void statuses.push(status) };
      },
    };
    replies = [{ status: 429, headers: { 'retry-after': '0' } }, 'drop'];
    await json(client({ gate }));
    assert.deepEqual(statuses, [429, null, 200]);
  });

  it('sends nothing when the gate refuses', async () => {
    const gate: RequestGate = {
      acquire: () => Promise.reject(new ProviderError('demo', 'gate', 'closed', { retryable: false })),
    };
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 60_000 });
    breaker.onFailure();
    await assert.rejects(json(client({ gate, breaker })), /closed/);
    assert.equal(seen.length, 0);
    breaker.onFailure();
    assert.equal(breaker.state, 'open', 'a refusal is no sign of health: it did not reset the failure count');
  });

  it('fails fast once the breaker is open', async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 60_000 });
    replies = Array.from({ length: 5 }, () => ({ status: 500 }));
    await assert.rejects(json(client({ breaker, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 10 } })));
    await assert.rejects(json(client({ breaker, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 10 } })));
    const err = await json(client({ breaker })).catch((e: unknown) => e);
    assert.match(String(err), /circuit open/);
    assert.equal(seen.length, 2);
  });
});
