import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { metricsFor, parseAllowList, startMetricsListener, startWorkerMetrics } from '../../src/metrics/metrics.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { raw, startApp } from '../helpers/admin-http.js';
import type { RunningApp } from '../helpers/admin-http.js';
import { seedJob, seedKey } from '../helpers/admin-seed.js';
import { freePort } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

/** The value of one sample line `name{labels} value`, labels matched as given (order-insensitive). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const have = Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[2]);
  }
  return undefined;
}

describe('/metrics on the API port', () => {
  let t: TestContext;
  let app: RunningApp;
  before(async () => {
    t = await createTestContext();
    app = await startApp(t.ctx);
  });
  after(async () => {
    await app.close();
    await t.cleanup();
  });
  const scrape = async () => {
    const res = await raw(app.base, '/metrics', { headers: { 'X-Admin-Key': t.config.adminKey! } });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /text\/plain; version=0\.0\.4/);
    return res.body;
  };

  test('needs the admin key when no allowlist applies', async () => {
    assert.equal((await raw(app.base, '/metrics')).status, 401);
    assert.equal((await raw(app.base, '/metrics', { headers: { 'X-Admin-Key': 'wrong' } })).status, 401);
    await scrape();
  });

  test('HTTP latency is labelled with the matched route pattern, also when the handler fails', async () => {
    const key = { 'X-Admin-Key': t.config.adminKey! };
    await raw(app.base, '/admin/api/jobs/job_aaaa1111', { headers: key });
    await raw(app.base, '/admin/api/jobs/job_bbbb2222', { headers: key });
    await raw(app.base, '/admin/api/jobs/not-an-id', { headers: key });
    await raw(app.base, '/admin/static/admin.css');
    await raw(app.base, '/no/such/path/123');
    const text = await scrape();
    const count = (route: string, status: string) =>
      sample(text, 'scout_http_request_duration_seconds_count', { route, status_code: status, method: 'GET' });
    assert.equal(count('/admin/api/jobs/:id', '404'), 2);
    assert.equal(count('/admin/api/jobs/:id', '422'), 1);
    assert.equal(count('/admin/static/*', '200'), 1);
    assert.equal(count('unmatched', '404'), 1);
    assert.ok(!text.includes('job_aaaa1111') && !text.includes('/no/such/path'), 'raw URLs never become labels');
  });

  test('jobs by status come from Postgres and queue depth from BullMQ at scrape time', async () => {
    const key = (await seedKey(t.ctx, 'metrics')).row.id;
    for (const status of ['completed', 'completed', 'failed', 'running'] as const) await seedJob(t.ctx, { apiKeyId: key, status });
    const waiting = await seedJob(t.ctx, { apiKeyId: key, status: 'pending' });
    await t.ctx.queue.enqueue(waiting);
    const text = await scrape();
    assert.equal(sample(text, 'scout_jobs', { status: 'completed' }), 2);
    assert.equal(sample(text, 'scout_jobs', { status: 'failed' }), 1);
    assert.equal(sample(text, 'scout_jobs', { status: 'running' }), 1);
    assert.equal(sample(text, 'scout_jobs', { status: 'pending' }), 1);
    assert.equal(sample(text, 'scout_jobs', { status: 'cancelled' }), 0);
    assert.equal(sample(text, 'scout_queue_jobs', { state: 'waiting' }), 1);
    assert.equal(sample(text, 'scout_queue_jobs', { state: 'failed' }), 0);
  });

  test('external calls and stage durations recorded in this process are exported', async () => {
    const key = (await seedKey(t.ctx, 'stages')).row.id;
    const jobId = await seedJob(t.ctx, { apiKeyId: key, status: 'running' });
    await t.ctx.ledger.record({ jobId }, { service: 'llm', operation: 'score', status: 'ok', durationMs: 1500, units: {}, costUsd: 0.02 });
    await t.ctx.ledger.record({ jobId }, { service: 'llm', operation: 'score', status: 'error', durationMs: 30, units: {}, costUsd: 0 });
    await t.ctx.jobEvents.emit(jobId, 'stage_started', { stage: 'expand' });
    await t.ctx.jobEvents.emit(jobId, 'stage_completed', { stage: 'expand' });
    await t.ctx.jobEvents.emit(jobId, 'stage_started', { stage: 'search' });
    await t.ctx.jobEvents.emit(jobId, 'failed', { code: 'x' });
    const text = await scrape();
    assert.equal(sample(text, 'scout_external_call_duration_seconds_count', { service: 'llm', operation: 'score', status: 'ok' }), 1);
    assert.equal(sample(text, 'scout_external_call_duration_seconds_sum', { service: 'llm', operation: 'score', status: 'ok' }), 1.5);
    assert.equal(sample(text, 'scout_external_call_duration_seconds_bucket', { service: 'llm', operation: 'score', status: 'ok', le: '1' }), 0);
    assert.equal(sample(text, 'scout_external_call_duration_seconds_bucket', { service: 'llm', operation: 'score', status: 'ok', le: '2.5' }), 1);
    assert.equal(sample(text, 'scout_external_call_duration_seconds_count', { service: 'llm', operation: 'score', status: 'error' }), 1);
    assert.equal(sample(text, 'scout_external_call_cost_usd_total', { service: 'llm', operation: 'score' }), 0.02);
    assert.equal(sample(text, 'scout_pipeline_stage_duration_seconds_count', { stage: 'expand', outcome: 'ok' }), 1);
    assert.equal(sample(text, 'scout_pipeline_stage_duration_seconds_count', { stage: 'search', outcome: 'failed' }), 1);
    assert.equal(sample(text, 'scout_pipeline_stage_duration_seconds_count', { stage: 'search', outcome: 'ok' }), undefined);
    assert.equal(sample(text, 'scout_jobs_finished_total', { status: 'failed' }), 1);
    // Every status is exported from the start at 0, so increase() sees a series' first jobs.
    assert.equal(sample(text, 'scout_jobs_finished_total', { status: 'completed' }), 0);
    assert.equal(sample(text, 'scout_jobs_finished_total', { status: 'cancelled' }), 0);
  });
});

describe('METRICS_ALLOW and the internal listener', () => {
  let t: TestContext;
  let app: RunningApp;
  let port: number;
  before(async () => {
    port = await freePort();
    t = await createTestContext({ METRICS_ALLOW: '127.0.0.0/8, ::1', METRICS_HOST: '127.0.0.1', METRICS_PORT: String(port) });
    app = await startApp(t.ctx);
  });
  after(async () => {
    await app.close();
    await t.cleanup();
  });

  test('a direct request from an allowlisted address needs no key; a proxied one still does', async () => {
    assert.equal((await raw(app.base, '/metrics')).status, 200);
    assert.equal((await raw(app.base, '/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status, 401);
    assert.equal((await raw(app.base, '/metrics', { headers: { Forwarded: 'for=203.0.113.9' } })).status, 401);
  });

  test('the listener serves only /metrics, without a key, and closes', async () => {
    const listener = await startMetricsListener(t.ctx);
    assert.equal(listener.port, port);
    try {
      const base = `http://127.0.0.1:${port}`;
      const res = await raw(base, '/metrics');
      assert.equal(res.status, 200);
      assert.match(res.body, /# TYPE scout_external_call_duration_seconds histogram/);
      assert.match(res.body, /scout_process_cpu_seconds_total/);
      assert.equal((await raw(base, '/admin')).status, 404);
      assert.equal((await raw(base, '/metrics', { method: 'POST' })).status, 404);
    } finally {
      await listener.close();
    }
    await assert.rejects(raw(`http://127.0.0.1:${port}`, '/metrics'));
  });

  test('a worker registry carries its own metrics but not the shared gauges', async () => {
    const worker = metricsFor({ ...t.ctx, role: 'worker' });
    const text = await worker.registry.metrics();
    assert.match(text, /scout_pipeline_stage_duration_seconds/);
    assert.match(text, /role="worker"/);
    assert.doesNotMatch(text, /scout_jobs\{/);
    assert.doesNotMatch(text, /scout_queue_jobs/);
  });

  test('startWorkerMetrics serves the worker registry; a port already taken is logged, not fatal', async () => {
    const workerCtx = { ...t.ctx, role: 'worker' as const };
    const first = startWorkerMetrics(workerCtx);
    try {
      const base = `http://127.0.0.1:${port}`;
      const res = await waitFor(() => raw(base, '/metrics'), () => true, { what: 'the worker /metrics listener', ms: 5_000 });
      assert.equal(res.status, 200);
      assert.match(res.body, /role="worker"/);
      const second = startWorkerMetrics(workerCtx);
      await second.close();
    } finally {
      await first.close();
    }
  });

  test('METRICS_PORT=0 starts no listener', async () => {
    const none = await startMetricsListener({ ...t.ctx, config: { ...t.config, metrics: { ...t.config.metrics, port: 0 } } });
    assert.equal(none.port, null);
    await none.close();
  });
});

test('a malformed METRICS_ALLOW entry is a configuration error naming it', () => {
  assert.throws(() => parseAllowList(['10.0.0.0/8', 'not-an-ip', '10.0.0.0/40']), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 2);
    assert.match(err.problems[0]!, /not-an-ip/);
    return true;
  });
  const list = parseAllowList(['10.1.0.0/16', '::1']);
  assert.equal(list.check('10.1.2.3', 'ipv4'), true);
  assert.equal(list.check('10.2.0.1', 'ipv4'), false);
  assert.equal(list.check('::1', 'ipv6'), true);
});
