import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForHttp } from '../test/helpers/processes.js';
import { createApiKey } from '../src/services/api-keys.service.js';
import { benchContext } from './lib/bench-env.js';
import { runJsonChild } from './lib/child.js';
import type { LoadResult, LoadSpec } from './lib/loadgen.js';
import { selfTimeByArea, spawnTs, startApi, topSelfTime } from './lib/procs.js';
import { flag, hasFlag, writeSection } from './lib/results.js';
import { fmt, table } from './lib/stats.js';

/**
 * API throughput and tail latency of the real API process (auth, rate limit, idempotency all on)
 * against a bare Express hello-JSON app in its own process, measured in the same run. The load
 * generator runs in a third process. With --profile the API runs under --cpu-prof during the
 * POST /pipeline/start load and the top self-time functions are reported.
 */
const connections = flag('connections', 32);
const durationMs = flag('duration', 10_000);
const profile = !hasFlag('no-profile');

async function load(spec: LoadSpec): Promise<LoadResult> {
  return runJsonChild<LoadResult>('bench/lib/loadgen.ts', [JSON.stringify(spec)]);
}

async function main(): Promise<void> {
  const t = await benchContext();
  const profDir = mkdtempSync(path.join(os.tmpdir(), 'scout-api-prof-'));
  const helloPort = await freePort();
  const hello = spawnTs('bench/lib/hello-server.ts', { PORT: String(helloPort) });
  const api = await startApi({ ...t.env, LOG_LEVEL: 'warn' }, profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []);
  try {
    await waitForHttp(`http://127.0.0.1:${helloPort}/hello`);
    const headers = { 'X-API-Key': t.apiKey, 'content-type': 'application/json' };
    const start = await fetch(`${api.base}/pipeline/start`, { method: 'POST', headers, body: JSON.stringify({ brief: 'fitness creators for a protein bar launch' }) });
    const { job_id: jobId } = (await start.json()) as { job_id: string };
    if (start.status !== 202) throw new Error(`POST /pipeline/start answered ${start.status}`);

    const common = { connections, durationMs, warmupMs: 2000 };
    console.log(`[bench:api] baseline hello-JSON, ${connections} connections, ${durationMs} ms`);
    const baseline = await load({ ...common, url: `http://127.0.0.1:${helloPort}/hello` });
    console.log(`[bench:api] GET /pipeline/jobs/:id`);
    const getJob = await load({ ...common, url: `${api.base}/pipeline/jobs/${jobId}`, headers: { 'X-API-Key': t.apiKey } });
    console.log(`[bench:api] POST /pipeline/start (unique Idempotency-Key per request)`);
    const startJobs = await load({
      ...common,
      url: `${api.base}/pipeline/start`,
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': 'bench-{n}' },
      body: JSON.stringify({ brief: 'travel creators for a luggage brand, request {n}', top_k: 10 }),
    });
    // Starts of one key are serialised (advisory lock: exact quota and idempotency), so also spread them.
    const keys = await Promise.all(
      Array.from({ length: connections }, (_, i) => createApiKey(t.ctx.repos.apiKeys, { name: `bench-${i}`, rateLimitPerMin: 1_000_000, dailyJobQuota: 1_000_000 })),
    );
    console.log(`[bench:api] POST /pipeline/start, one key per connection`);
    const startMany = await load({
      ...common,
      url: `${api.base}/pipeline/start`,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Idempotency-Key': 'bench-{n}' },
      laneHeaders: keys.map((k) => ({ 'X-API-Key': k.key })),
      body: JSON.stringify({ brief: 'travel creators for a luggage brand, request {n}', top_k: 10 }),
    });
    console.log(`[bench:api] POST /pipeline/start replaying one Idempotency-Key`);
    const replay = await load({
      ...common,
      durationMs: Math.round(durationMs / 2),
      url: `${api.base}/pipeline/start`,
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': 'bench-replayed' },
      body: JSON.stringify({ brief: 'travel creators for a luggage brand, replayed' }),
    });
    const baseline2 = await load({ ...common, durationMs: Math.round(durationMs / 2), url: `http://127.0.0.1:${helloPort}/hello` });

    await api.stop('SIGTERM');
    const rows = [
      ['bare Express hello-JSON (baseline)', baseline],
      ['GET /pipeline/jobs/:id', getJob],
      ['POST /pipeline/start (new job each, one key)', startJobs],
      [`POST /pipeline/start (new job each, ${connections} keys)`, startMany],
      ['POST /pipeline/start (idempotent replay)', replay],
      ['bare Express hello-JSON (again, after)', baseline2],
    ] as const;
    const base = (baseline.rps + baseline2.rps) / 2;
    const statuses = (r: LoadResult) => Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' ') + (r.errors ? ` err×${r.errors}` : '');
    let body = [
      `Load: ${connections} keep-alive connections, closed loop, ${durationMs / 1000} s per route after a 2 s warm-up, from a separate`,
      'load-generator process (`bench/lib/loadgen.ts`). The real API process (`src/bin/api.ts`) with API-key auth (Postgres),',
      'per-key token bucket (Redis Lua) and idempotency (Redis + Postgres unique index) on; the bench key has a huge limit.',
      'Baseline: a bare Express 5 app answering `{"hello":"world"}` in its own process, measured before and after.',
      '',
      table(
        ['route', 'req/s', 'ratio to baseline', 'p50 ms', 'p99 ms', 'statuses'],
        rows.map(([name, r]) => [name, r.rps, `${fmt(r.rps / base, 3)}×`, r.latency.p50, r.latency.p99, statuses(r)]),
      ),
    ].join('\n');

    if (profile) {
      const prof = topSelfTime(profDir, 15);
      const areas = selfTimeByArea(profDir).slice(0, 12);
      body += [
        '',
        '',
        `CPU profile of the API process over the whole run (\`node --cpu-prof\`, ${fmt(prof.totalMs / 1000)} s sampled), self time by area:`,
        '',
        table(['area', 'share of samples'], areas.map((a) => [a.area, `${fmt(a.share * 100, 1)} %`])),
        '',
        'Top functions by self time:',
        '',
        table(['function', 'self ms', 'share'], prof.entries.map((e) => [`\`${e.fn}\``, e.selfMs, `${fmt(e.share * 100, 1)} %`])),
      ].join('\n');
    }
    writeSection('api', 'API: requests/s and p99 vs bare Express', body);
  } finally {
    await api.stop('SIGKILL').catch(() => {});
    await hello.stop('SIGKILL').catch(() => {});
    await t.cleanup();
    rmSync(profDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
