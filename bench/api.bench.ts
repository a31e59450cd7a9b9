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
 * against a bare Express hello-JSON app in its own process, and against I/O floors (bare Express apps
 * making exactly a route's Postgres/Redis round trips, bench/lib/floor-server.ts), all measured in the same run. The load
 * generator runs in a third process. Unless --no-profile, a second API process then runs under
 * --cpu-prof with the status route's load and one key's starts, and its top self-time functions are
 * reported (the measured figures come from the first, unprofiled, process).
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
  const floorPort = await freePort();
  const floorServer = spawnTs('bench/lib/floor-server.ts', { ...t.env, PORT: String(floorPort) });
  // measured without the profiler: --cpu-prof roughly doubled the API's CPU per status request here
  // (467 against 222 µs), which the floors do not pay; a second API process is profiled afterwards
  const api = await startApi({ ...t.env, LOG_LEVEL: 'warn' });
  try {
    await waitForHttp(`http://127.0.0.1:${helloPort}/hello`);
    await waitForHttp(`http://127.0.0.1:${floorPort}/floor/redis`, { proc: floorServer });
    const headers = { 'X-API-Key': t.apiKey, 'content-type': 'application/json' };
    const start = await fetch(`${api.base}/pipeline/start`, { method: 'POST', headers, body: JSON.stringify({ brief: 'fitness creators for a protein bar launch' }) });
    const { job_id: jobId } = (await start.json()) as { job_id: string };
    if (start.status !== 202) throw new Error(`POST /pipeline/start answered ${start.status}`);

    const common = { connections, durationMs, warmupMs: 2000 };
    const floor = (route: string) => `http://127.0.0.1:${floorPort}/floor/${route}`;
    // each load also reports the CPU time its server process spent per request
    const onHello = { cpuPid: hello.pid };
    const onFloor = { cpuPid: floorServer.pid };
    const onApi = { cpuPid: api.pid };
    const ownKey = { 'X-Key-Id': t.apiKeyId };
    const startBody = JSON.stringify({ brief: 'travel creators for a luggage brand, request {n}', top_k: 10 });
    console.log(`[bench:api] baseline hello-JSON, ${connections} connections, ${durationMs} ms`);
    const baseline = await load({ ...common, ...onHello, url: `http://127.0.0.1:${helloPort}/hello` });
    console.log('[bench:api] floors of the status route: its Redis command, its Postgres query, both');
    const floorRedis = await load({ ...common, ...onFloor, url: floor('redis'), headers: ownKey });
    const floorPg = await load({ ...common, ...onFloor, url: floor(`pg/${jobId}`), headers: ownKey });
    const floorStatus = await load({ ...common, ...onFloor, url: floor(`status/${jobId}`), headers: ownKey });
    console.log(`[bench:api] GET /pipeline/jobs/:id`);
    const getJob = await load({ ...common, ...onApi, url: `${api.base}/pipeline/jobs/${jobId}`, headers: { 'X-API-Key': t.apiKey } });
    const postJson = { method: 'POST', body: startBody, headers: { 'content-type': 'application/json', 'Idempotency-Key': 'bench-{n}' } };
    console.log('[bench:api] floors of a start, one key: its Postgres write + BullMQ add; every round trip of a start');
    const floorStartDb = await load({ ...common, ...onFloor, ...postJson, url: floor('start-db'), headers: { ...postJson.headers, ...ownKey } });
    const floorStart = await load({ ...common, ...onFloor, ...postJson, url: floor('start'), headers: { ...postJson.headers, ...ownKey } });
    console.log(`[bench:api] POST /pipeline/start (unique Idempotency-Key per request)`);
    const startJobs = await load({ ...common, ...onApi, ...postJson, url: `${api.base}/pipeline/start`, headers: { ...postJson.headers, 'X-API-Key': t.apiKey } });
    // One key's starts take turns on its daily counter row (exact quota; JobsRepository.createForStart), so also spread them.
    const keys = await Promise.all(
      Array.from({ length: connections }, (_, i) => createApiKey(t.ctx.repos.apiKeys, { name: `bench-${i}`, rateLimitPerMin: 1_000_000, dailyJobQuota: 1_000_000 })),
    );
    console.log(`[bench:api] floors of a start, one key per connection`);
    const floorStartDbMany = await load({ ...common, ...onFloor, ...postJson, url: floor('start-db'), laneHeaders: keys.map((k) => ({ 'X-Key-Id': k.row.id })) });
    const floorStartMany = await load({ ...common, ...onFloor, ...postJson, url: floor('start'), laneHeaders: keys.map((k) => ({ 'X-Key-Id': k.row.id })) });
    console.log(`[bench:api] POST /pipeline/start, one key per connection`);
    const startMany = await load({ ...common, ...onApi, ...postJson, url: `${api.base}/pipeline/start`, laneHeaders: keys.map((k) => ({ 'X-API-Key': k.key })) });
    console.log(`[bench:api] POST /pipeline/start replaying one Idempotency-Key`);
    const replay = await load({
      ...common,
      ...onApi,
      durationMs: Math.round(durationMs / 2),
      url: `${api.base}/pipeline/start`,
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': 'bench-replayed' },
      body: JSON.stringify({ brief: 'travel creators for a luggage brand, replayed' }),
    });
    const baseline2 = await load({ ...common, ...onHello, durationMs: Math.round(durationMs / 2), url: `http://127.0.0.1:${helloPort}/hello` });

    await api.stop('SIGTERM');
    if (profile) {
      console.log('[bench:api] profiled run: a second API process under --cpu-prof, the status route and one key\'s starts');
      const profiled = await startApi({ ...t.env, LOG_LEVEL: 'warn' }, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
      try {
        await load({ ...common, durationMs: Math.round(durationMs / 2), url: `${profiled.base}/pipeline/jobs/${jobId}`, headers: { 'X-API-Key': t.apiKey } });
        await load({ ...common, ...postJson, durationMs: Math.round(durationMs / 2), url: `${profiled.base}/pipeline/start`, headers: { ...postJson.headers, 'X-API-Key': t.apiKey } });
      } finally {
        // SIGTERM: a clean exit writes the profile
        await profiled.stop('SIGTERM');
      }
    }
    // [name, result, the floor it is divided by]
    const rows: [string, LoadResult, LoadResult | null][] = [
      ['bare Express hello-JSON (baseline)', baseline, null],
      ['floor: bare Express + 1 Redis EVALSHA (token bucket)', floorRedis, null],
      ['floor: bare Express + 1 Postgres select (job by id and key)', floorPg, null],
      ['floor: bare Express + both, in order (status floor)', floorStatus, null],
      ['GET /pipeline/jobs/:id', getJob, floorStatus],
      ['floor: bare Express + start write + BullMQ add, one key', floorStartDb, null],
      ['floor: bare Express + every start round trip, one key (start floor)', floorStart, null],
      ['POST /pipeline/start (new job each, one key)', startJobs, floorStart],
      [`floor: bare Express + start write + BullMQ add, ${connections} keys`, floorStartDbMany, null],
      [`floor: bare Express + every start round trip, ${connections} keys (start floor)`, floorStartMany, null],
      [`POST /pipeline/start (new job each, ${connections} keys)`, startMany, floorStartMany],
      ['POST /pipeline/start (idempotent replay)', replay, null],
      ['bare Express hello-JSON (again, after)', baseline2, null],
    ];
    const base = (baseline.rps + baseline2.rps) / 2;
    const cpu = (r: LoadResult) => (r.serverCpuUsPerReq === undefined ? '' : Math.round(r.serverCpuUsPerReq));
    const statuses = (r: LoadResult) => Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' ') + (r.errors ? ` err×${r.errors}` : '');
    let body = [
      `Load: ${connections} keep-alive connections, closed loop, ${durationMs / 1000} s per route after a 2 s warm-up, from a separate`,
      'load-generator process (`bench/lib/loadgen.ts`). The real API process (`src/bin/api.ts`) with API-key auth (Postgres),',
      'per-key token bucket (Redis Lua) and idempotency (Redis + Postgres unique index) on; the bench key has a huge limit.',
      'Baseline: a bare Express 5 app answering `{"hello":"world"}` in its own process, measured before and after.',
      '',
      'Floors: a bare Express 5 app in its own process (`bench/lib/floor-server.ts`) that makes exactly the Postgres and Redis',
      "round trips of a route through the API's own code and settings (RateLimiter, JobsRepository, IdempotencyStore,",
      'PipelineQueue; pool size, ioredis and BullMQ options from the same config) and nothing else: no auth, validation,',
      'metrics or logging. What a route costs beyond its floor is our per-request JavaScript.',
      'Server CPU µs/req: user + system CPU time of the process serving the load (hello, floor or API; from /proc, 10 ms ticks)',
      'over the measured window, per request; unlike req/s it does not depend on what else the 2 cores are doing.',
      '',
      table(
        ['route', 'req/s', 'ratio to baseline', 'route ÷ its floor', 'server CPU µs/req', 'CPU ÷ floor CPU', 'p50 ms', 'p99 ms', 'statuses'],
        rows.map(([name, r, f]) => [
          name,
          r.rps,
          `${fmt(r.rps / base, 3)}×`,
          f ? `${fmt(r.rps / f.rps, 2)}×` : '',
          cpu(r),
          f && r.serverCpuUsPerReq && f.serverCpuUsPerReq ? `${fmt(r.serverCpuUsPerReq / f.serverCpuUsPerReq, 2)}×` : '',
          r.latency.p50,
          r.latency.p99,
          statuses(r),
        ]),
      ),
    ].join('\n');

    if (profile) {
      const prof = topSelfTime(profDir, 15);
      const areas = selfTimeByArea(profDir).slice(0, 12);
      body += [
        '',
        '',
        `CPU profile of a second API process (\`node --cpu-prof\`, ${fmt(prof.totalMs / 1000)} s sampled), started after the figures above were measured`,
        `(the profiler costs the API CPU the floors do not pay), under the status route's load and then one key's starts, ${fmt(durationMs / 2000)} s each`,
        'after a 2 s warm-up; self time by area:',
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
    await floorServer.stop('SIGKILL').catch(() => {});
    await t.cleanup();
    rmSync(profDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
