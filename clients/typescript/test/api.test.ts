import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { createScoutClient, ScoutJobError, ScoutProblemError } from '../src/index.js';
import type { JobEvent } from '../src/index.js';
import { freePort, repoRoot, runCli, startProcess, waitForHttp } from '../../../test/helpers/processes.js';
import type { RunningProcess } from '../../../test/helpers/processes.js';
import { createTestEnv } from '../../../test/helpers/test-env.js';
import type { TestEnv } from '../../../test/helpers/test-env.js';
import { startFlakyProxy } from './helpers/flaky-proxy.js';
import type { ProxyAction } from './helpers/flaky-proxy.js';

/**
 * The client against the real thing: API and worker processes on Postgres, Redis, BullMQ and the demo
 * LanceDB index (no paid provider is called), with a loopback proxy that breaks connections on demand.
 */
let env: TestEnv;
let api: RunningProcess;
let worker: RunningProcess;
let base: string;
let apiKey: string;

function contiguous(events: JobEvent[], from = 1) {
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => from + i), 'every event once, in order');
}

before(async () => {
  const port = await freePort();
  // One start token a second: a second start right after the first is refused with 429 + Retry-After: 1.
  env = await createTestEnv({ PORT: String(port), MIGRATE_ON_START: 'true', LOG_LEVEL: 'warn', START_RATE_LIMIT_BURST: '1', START_RATE_LIMIT_PER_MIN: '60' });
  base = `http://127.0.0.1:${port}`;
  worker = startProcess('src/bin/worker.ts', env.env);
  api = startProcess('src/bin/api.ts', env.env);
  await waitForHttp(`${base}/health`, { proc: api, timeoutMs: 90_000 });
  const demo = await runCli(['demo'], env.env);
  assert.equal(demo.code, 0, demo.stderr);
  apiKey = demo.stdout.trim();
  assert.match(apiKey, /^isk_/);
});

after(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await env?.cleanup();
});

describe('the TypeScript client against a live API and worker', () => {
  test('startJob sends an Idempotency-Key (a retry with it replays the job); watchJob and waitForResults follow it to its shortlist', async () => {
    const client = createScoutClient({ baseUrl: base, apiKey });
    const body = { brief: 'fitness coach promoting protein snacks to gym-goers', top_k: 5 };
    const started = await client.startJob(body);
    assert.match(started.job_id, /^job_/);
    assert.equal(started.replayed, false);
    assert.match(started.idempotency_key, /^[0-9a-f-]{36}$/);
    const again = await client.startJob(body, { idempotencyKey: started.idempotency_key });
    assert.equal(again.job_id, started.job_id, 'the same key returns the same job');
    assert.equal(again.replayed, true);

    const events: JobEvent[] = [];
    for await (const event of client.watchJob(started.job_id)) events.push(event);
    contiguous(events);
    assert.equal(events.at(-1)?.type, 'completed');
    assert.deepEqual(events.filter((e) => e.type === 'stage_started').map((e) => e.data.stage), ['expand', 'search', 'enrich', 'score', 'rank']);

    const seen: string[] = [];
    const results = await client.waitForResults(started.job_id, { onEvent: (e) => seen.push(e.type) });
    assert.equal(seen.at(-1), 'completed', 'watching a finished job replays its events');
    assert.equal(results.status, 'completed');
    assert.ok(results.results.length > 0 && results.results.length <= 5);
    assert.deepEqual(results.results.map((r) => r.rank), results.results.map((_, i) => i + 1));
    assert.equal((await client.getJob(started.job_id)).status, 'completed');
    assert.equal((await client.getArtifact(started.job_id, 'timing')).kind, 'timing');
  });

  test('a stream cut after its first event resumes with Last-Event-ID: every event once, in order, to the end', async () => {
    let streams = 0;
    const proxy = await startFlakyProxy(base, (req): ProxyAction => {
      const isStream = (req.headers.accept ?? '').includes('text/event-stream');
      return isStream && streams++ === 0 ? 'drop-after-first-event' : 'pass';
    });
    try {
      const client = createScoutClient({ baseUrl: proxy.base, apiKey });
      const { job_id: jobId } = await client.startJob({ brief: 'vegan food blogger for a plant-based recipe box', top_k: 5 });
      const connects: { transport: string; after: number }[] = [];
      const events: JobEvent[] = [];
      for await (const e of client.watchJob(jobId, { reconnectDelayMs: 50, onConnect: (c) => connects.push(c) })) events.push(e);

      contiguous(events);
      assert.equal(events.at(-1)?.type, 'completed');
      assert.ok(events.length > 2, 'more than the one event before the cut');
      const streamRequests = proxy.log.filter((r) => r.url.includes('/events'));
      assert.equal(streamRequests[0]?.action, 'drop-after-first-event');
      assert.equal(streamRequests[0]?.lastEventId, null);
      assert.equal(streamRequests[1]?.lastEventId, '1', 'the reconnect resumed after the one event delivered');
      assert.ok(streamRequests.every((r) => r.accept === 'text/event-stream'), 'no fallback to polling was needed');
      assert.deepEqual(connects.slice(0, 2).map((c) => [c.transport, c.after]), [['sse', 0], ['sse', 1]]);
    } finally {
      await proxy.close();
    }
  });

  test('when streams never get through, watchJob falls back to polling from the same cursor', async () => {
    const proxy = await startFlakyProxy(base, (req) => ((req.headers.accept ?? '').includes('text/event-stream') ? 'drop' : 'pass'));
    try {
      const client = createScoutClient({ baseUrl: proxy.base, apiKey });
      const { job_id: jobId } = await client.startJob({ brief: 'travel photographer for a boutique hotel campaign', top_k: 5 });
      const events: JobEvent[] = [];
      for await (const e of client.watchJob(jobId, { reconnectDelayMs: 20, pollIntervalMs: 200, streamFailuresBeforePolling: 2 })) events.push(e);
      contiguous(events);
      assert.equal(events.at(-1)?.type, 'completed');
      const eventRequests = proxy.log.filter((r) => r.url.includes('/events'));
      assert.deepEqual(eventRequests.slice(0, 2).map((r) => r.action), ['drop', 'drop']);
      assert.ok(eventRequests.slice(2).length > 0 && eventRequests.slice(2).every((r) => r.url.includes('format=json')), 'then JSON pages');
    } finally {
      await proxy.close();
    }
  });

  test('a 429 from the start bucket is retried after its Retry-After, and the job is started once', async () => {
    const retries: { status: number; delayMs: number }[] = [];
    const client = createScoutClient({ baseUrl: base, apiKey, retry: { onRetry: (r) => retries.push(r) } });
    const brief = { brief: 'skincare routine creators for a new vitamin C serum', top_k: 3 };
    const first = await client.startJob(brief);
    retries.length = 0; // only the second start's retries: the first may have waited out an earlier test's tokens
    const t0 = Date.now();
    const second = await client.startJob(brief);
    assert.notEqual(second.job_id, first.job_id);
    assert.ok(retries.some((r) => r.status === 429), `a 429 was retried (${JSON.stringify(retries)})`);
    const waited = retries.filter((r) => r.status === 429).reduce((s, r) => s + r.delayMs, 0);
    assert.ok(waited >= 1000, 'the wait is the server\'s Retry-After (1 s), not a guess');
    assert.ok(Date.now() - t0 >= waited - 50);

    const noRetry = createScoutClient({ baseUrl: base, apiKey, retry: false });
    const refused = await noRetry.startJob(brief).then(
      () => null,
      (err: unknown) => err,
    );
    assert.ok(refused instanceof ScoutProblemError);
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'rate_limited');
    assert.ok((refused.retryAfterSeconds ?? 0) >= 1);
  });

  test('error answers are typed problems: code, request id and the invalid fields', async () => {
    const client = createScoutClient({ baseUrl: base, apiKey, headers: { 'X-Request-Id': 'client-test-42' } });
    const invalid = await client.startJob({ brief: 'fitness coach promoting protein snacks', top_k: 1000 }).catch((e: unknown) => e);
    assert.ok(invalid instanceof ScoutProblemError);
    assert.equal(invalid.status, 422);
    assert.equal(invalid.code, 'validation_failed');
    assert.equal(invalid.requestId, 'client-test-42');
    assert.ok(invalid.fieldError('top_k'), JSON.stringify(invalid.errors));

    const missing = await client.getJob('job_doesnotexist').catch((e: unknown) => e);
    assert.ok(missing instanceof ScoutProblemError);
    assert.equal(missing.status, 404);
    assert.equal(missing.code, 'not_found');

    const badKey = createScoutClient({ baseUrl: base, apiKey: 'isk_not-a-key' });
    const unauthorized = await badKey.watchJob('job_x').next().catch((e: unknown) => e);
    assert.ok(unauthorized instanceof ScoutProblemError, 'a 401 on the stream is thrown, not retried forever');
    assert.equal(unauthorized.status, 401);
  });

  test('AbortSignal stops a start before it is sent and a watch in the middle', async () => {
    const client = createScoutClient({ baseUrl: base, apiKey });
    const aborted = AbortSignal.abort();
    const notStarted = await client.startJob({ brief: 'fitness coach promoting protein snacks' }, { signal: aborted }).catch((e: unknown) => e);
    assert.equal((notStarted as Error).name, 'AbortError');

    const { job_id: jobId } = await client.startJob({ brief: 'interior designers for a Scandinavian sofa brand', top_k: 3 });
    const controller = new AbortController();
    const seen: JobEvent[] = [];
    const watching = (async () => {
      for await (const e of client.watchJob(jobId, { signal: controller.signal })) {
        seen.push(e);
        controller.abort();
      }
    })();
    await assert.rejects(watching, (err: Error) => err.name === 'AbortError');
    assert.equal(seen.length, 1, 'nothing after the abort');
  });

  test('the README example runs as written', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = /<!-- example -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(example, 'the README has the example block');
    assert.ok(example.trim().split('\n').length <= 12, 'about ten lines');
    const child = spawn(process.execPath, ['--input-type=module', '-e', example], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', SCOUT_API_URL: base, SCOUT_API_KEY: apiKey },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /stage_started/);
    assert.match(out, /^\s*1\. \S+ \(\d+\)/m);
  });
  // Last: it stops the worker, so that the job is still pending when it is cancelled.
  test('waitForResults on a cancelled job throws a ScoutJobError saying so', async () => {
    assert.equal(await worker.stop('SIGTERM'), 0, worker.output());
    const client = createScoutClient({ baseUrl: base, apiKey });
    const { job_id: jobId } = await client.startJob({ brief: 'pet food creators with dogs for a grain-free kibble', top_k: 3 });
    assert.equal((await client.cancelJob(jobId)).status, 'cancelled');
    const err = await client.waitForResults(jobId).catch((e: unknown) => e);
    assert.ok(err instanceof ScoutJobError, String(err));
    assert.equal(err.status, 'cancelled');
    assert.equal(err.jobId, jobId);
  });
});
