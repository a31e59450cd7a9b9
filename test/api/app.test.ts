import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPool } from '../../src/db/pool.js';
import { JobsRepository } from '../../src/repositories/jobs.repository.js';
import { startTestApi } from '../helpers/api-server.js';
import { freePort } from '../helpers/processes.js';
import type { TestApi } from '../helpers/api-server.js';

describe('app: request ids, security headers, CORS, body handling, errors', () => {
  let api: TestApi;
  let key: string;
  before(async () => {
    api = await startTestApi({ CORS_ORIGINS: 'https://app.example.com', BODY_LIMIT: '2kb' });
    key = (await api.newKey()).key;
  });
  after(() => api.cleanup());

  test('every response carries an X-Request-Id; a sane incoming one is echoed, an insane one replaced', async () => {
    const plain = await api.call('/health');
    assert.match(plain.headers.get('x-request-id') ?? '', /^req_[a-z0-9]+$/);
    const echoed = await api.call('/nope', { headers: { 'X-Request-Id': 'abc-123.def' } });
    assert.equal(echoed.headers.get('x-request-id'), 'abc-123.def');
    assert.equal((echoed.body as { request_id: string }).request_id, 'abc-123.def');
    const evil = await api.call('/health', { headers: { 'X-Request-Id': 'x'.repeat(200) } });
    assert.match(evil.headers.get('x-request-id') ?? '', /^req_/);
    const injected = await api.call('/health', { headers: { 'X-Request-Id': 'a b<script>' } });
    assert.match(injected.headers.get('x-request-id') ?? '', /^req_/);
  });

  test('security headers on JSON responses, a looser but still strict CSP on the HTML docs', async () => {
    const res = await api.call('/pipeline/jobs/job_x', { key });
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'.*frame-ancestors 'none'/);
    assert.equal(res.headers.get('x-powered-by'), null);
    const docs = await api.call('/docs');
    const csp = docs.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|https?:/);
  });

  test('unknown routes are a 404 problem', async () => {
    const res = await api.call<{ code: string; status: number }>('/no/such/route');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal(res.body.code, 'not_found');
    assert.equal(res.body.status, 404);
  });

  test('CORS: allowed origin gets the headers and a preflight; others get none', async () => {
    const pre = await api.call('/pipeline/start', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-api-key, content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /X-API-Key/);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/);
    assert.equal(pre.headers.get('access-control-allow-credentials'), null);
    const simple = await api.call('/health', { headers: { Origin: 'https://app.example.com' } });
    assert.match(simple.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/);
    const other = await api.call('/pipeline/start', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(other.status, 204);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    assert.equal((await api.call('/health', { headers: { Origin: 'https://evil.example' } })).headers.get('access-control-allow-origin'), null);
  });

  test('bodies: malformed JSON is 400 naming the body, wrong type 415, too large 413, never 500', async () => {
    const bad = await api.call<{ code: string; errors: { field: string }[] }>('/pipeline/start', {
      key,
      body: '{"brief": ',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'bad_request');
    assert.equal(bad.body.errors[0]?.field, '(body)');
    const text = await api.call<{ code: string }>('/pipeline/start', { key, body: 'brief=hello', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(text.status, 415);
    assert.equal(text.body.code, 'unsupported_media_type');
    const form = await api.call('/pipeline/start', { key, body: 'brief=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
    const big = await api.call<{ code: string }>('/pipeline/start', { key, body: { brief: 'x'.repeat(5000) } });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'payload_too_large');
    const scalar = await api.call('/pipeline/start', { key, body: '"just a string"', headers: { 'Content-Type': 'application/json' } });
    assert.equal(scalar.status, 400);
    for (const text of ['{"brief":"fitness coach \\u0000 promoting protein"}', '{"brief":"fitness coach \\ud800 promoting protein"}']) {
      const unstorable = await api.call<{ detail: string }>('/pipeline/start', { key, body: text, headers: { 'Content-Type': 'application/json' } });
      assert.equal(unstorable.status, 400, text);
      assert.match(unstorable.body.detail, /NUL characters or unpaired surrogates/);
    }
    const emoji = await api.call('/pipeline/start', { key, body: { brief: 'fitness 💪 coach promoting protein snacks' } });
    assert.equal(emoji.status, 202, 'paired surrogates are fine');
    const latin1 = await api.call('/pipeline/start', { key, body: '{}', headers: { 'Content-Type': 'application/json; charset=latin1' } });
    assert.equal(latin1.status, 415);
  });

  test('unauthenticated requests are refused before the body is read', async () => {
    const res = await api.call('/pipeline/start', { body: '{"brief": ', headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /X-API-Key/);
  });

  test('an unexpected fault is a generic 500 with the request id and nothing else', async () => {
    const owner = await api.newKey();
    // A completed job without its final artifact is an internal inconsistency, not a client error.
    const job = await api.insertJob(owner.row.id, { status: 'completed' });
    const res = await api.call<{ code: string; detail: string; request_id: string }>(`/pipeline/jobs/${job.id}/results`, {
      key: owner.key,
    });
    assert.equal(res.status, 500);
    assert.equal(res.body.code, 'internal');
    assert.doesNotMatch(res.text, /artifact|stack|\.ts/);
    assert.equal(res.body.request_id, res.headers.get('x-request-id'));
  });

  test('a backend that is down is a 503 with Retry-After, not a 500', async () => {
    const owner = await api.newKey();
    const job = await api.insertJob(owner.row.id);
    const real = api.ctx.repos.jobs;
    const dead = createPool(`postgres://postgres@127.0.0.1:${await freePort()}/none`, 1);
    api.ctx.repos.jobs = new JobsRepository(dead);
    try {
      const res = await api.call<{ code: string }>(`/pipeline/jobs/${job.id}`, { key: owner.key });
      assert.equal(res.status, 503);
      assert.equal(res.body.code, 'service_unavailable');
      assert.equal(res.headers.get('retry-after'), '5');
      assert.doesNotMatch(res.text, /ECONNREFUSED|5432|postgres/);
    } finally {
      api.ctx.repos.jobs = real;
      await dead.end();
    }
    assert.equal((await api.call(`/pipeline/jobs/${job.id}`, { key: owner.key })).status, 200);
  });
});
