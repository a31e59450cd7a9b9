import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeOtlpCollector } from '../fakes/otlp.fake.js';
import { freePort, runCli, startProcess, waitForHttp } from '../helpers/processes.js';
import type { RunningProcess } from '../helpers/processes.js';
import { kimProfilesCsv } from '../helpers/shared-data.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';
import { contextFrom, startTracing, traceCarrier, traced, tracingEnabled } from '../../src/tracing/tracing.js';
import { waitFor } from '../helpers/wait.js';

/**
 * One job's trace, end to end: real API and worker processes export to a collector stand-in
 * (OTLP/HTTP JSON); the request, the enqueue, the worker's run, its stages and its provider calls
 * must form one trace carrying the job id and the request id.
 */
const collector = new FakeOtlpCollector();
let env: TestEnv;
let api: RunningProcess;
let worker: RunningProcess;
let base = '';
let apiKey = '';

before(async () => {
  await collector.start(0);
  const port = await freePort();
  env = await createTestEnv({
    PORT: String(port),
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'warn',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  base = `http://127.0.0.1:${port}`;
  const imported = await runCli(['import', kimProfilesCsv(), '--limit', '200'], { ...env.env, OTEL_EXPORTER_OTLP_ENDPOINT: '' });
  assert.equal(imported.code, 0, imported.stderr);
  apiKey = (JSON.parse((await runCli(['keys', 'create', '--name', 'trace', '--json'], env.env)).stdout) as { key: string }).key;
  worker = startProcess('src/bin/worker.ts', env.env);
  api = startProcess('src/bin/api.ts', env.env);
  await waitForHttp(`${base}/health`, { proc: api, timeoutMs: 120_000 });
});

after(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await collector.stop();
  await env?.cleanup();
});

test('off (no endpoint): no SDK, the helpers pass straight through and carry nothing', async () => {
  const t = await startTracing('test', {});
  assert.equal(tracingEnabled(), false);
  assert.equal(await traced('x', {}, async (span) => (span === undefined ? 'plain' : 'span')), 'plain');
  assert.equal(traceCarrier(), undefined);
  assert.equal(contextFrom({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }).getValue(Symbol('x')), undefined);
  await t.shutdown();
});

test('a job is one trace: request → enqueue → worker run → stages → provider calls, with job and request ids', async () => {
  const start = await fetch(`${base}/pipeline/start`, {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ brief: 'fitness coach promoting protein snacks', top_k: 5 }),
  });
  assert.equal(start.status, 202);
  const { job_id: jobId } = (await start.json()) as { job_id: string };
  const requestId = start.headers.get('x-request-id');

  const ranked = (spans: typeof collector.spans) => {
    const run = spans.find((s) => s.name === 'pipeline.run' && s.attributes['scout.job_id'] === jobId);
    return Boolean(run && spans.some((s) => s.name === 'stage rank' && s.traceId === run.traceId));
  };
  // (on timeout the assertions below say which spans are missing)
  const spans = await waitFor(() => collector.spans, ranked, { ms: 30_000, everyMs: 100 }).catch(() => collector.spans);
  const server = spans.find((s) => s.name === 'POST /pipeline/start');
  assert.ok(server, `a server span for the start request (${[...new Set(spans.map((s) => s.name))].join(', ')})`);
  assert.equal(server.service, 'influencer-scout-api');
  if (requestId) assert.equal(server.attributes['scout.request_id'], requestId);
  else assert.match(String(server.attributes['scout.request_id']), /^req_/);
  const trace = spans.filter((s) => s.traceId === server.traceId);
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const enqueue = trace.find((s) => s.name === 'pipeline.enqueue');
  assert.equal(enqueue?.attributes['scout.job_id'], jobId);
  const run = trace.find((s) => s.name === 'pipeline.run');
  assert.ok(run, 'the worker run is in the same trace');
  assert.equal(run.service, 'influencer-scout-worker');
  assert.equal(run.parentSpanId, enqueue!.spanId, 'the run continues from the enqueue (trace context in the job data)');
  const stages = trace.filter((s) => s.name.startsWith('stage ') && s.parentSpanId === run.spanId).map((s) => s.name);
  assert.ok(stages.includes('stage search') && stages.includes('stage rank'), `stages: ${stages.join(', ')}`);
  const calls = trace.filter((s) => s.attributes['scout.service'] !== undefined);
  assert.ok(calls.length > 0, 'provider calls are spans');
  for (const c of calls) {
    assert.equal(c.attributes['scout.job_id'], jobId);
    assert.ok(byId.get(c.parentSpanId)?.name.startsWith('stage '), `${c.name} sits under a stage`);
  }
});
