import type { Pool } from 'pg';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newJobId } from '../src/domain/ids.js';
import { emptyMeta, startJobSchema, toJobParams } from '../src/domain/job.js';
import { createApiKey } from '../src/services/api-keys.service.js';
import { repoRoot } from '../test/helpers/processes.js';
import { benchContext } from './lib/bench-env.js';
import { selfTimeByArea, startApi, topSelfTime } from './lib/procs.js';
import { flag, hasFlag, rssOf, sleep, writeSection } from './lib/results.js';
import type { SseClientResult, SseClientSpec } from './lib/sse-client.js';
import { fmt, table } from './lib/stats.js';

/**
 * SSE fan-out on one API process: 1k, 5k and 10k concurrent streams (20 per job and per API key,
 * the per-key cap), held by a client in another process. Memory per stream = growth of the API's
 * RSS when the streams open ÷ streams. Delay = from the moment the bench writes an event (Postgres
 * insert + Redis announce, `jobEvents.emit`) to the moment the client parsed it. Baseline in the same
 * run: one job watched by 20 streams.
 */
const levels = String(flag('levels', '1000,5000,10000')).split(',').map(Number);
const PER_JOB = 20;
const ROUNDS = flag('rounds', 5);
const INTERVAL_MS = flag('interval', 2000);
const profile = hasFlag('profile');
/** with --profile the figures go to their own section, so a short profiling run leaves the main one alone */
const SECTION = profile ? 'sse-profile' : 'sse';

interface Level {
  streams: number;
  opened: number;
  failed: number;
  rssBefore: number;
  rssAfter: number;
  openSeconds: number;
  /** Postgres transactions committed on the service's database per event delivered */
  pgPerDelivery: number;
  result: SseClientResult;
}

async function commits(t: { ctx: { pool: Pool } }): Promise<number> {
  // the statistics are flushed by each backend within about a second
  await sleep(1500);
  const { rows } = await t.ctx.pool.query<{ n: string }>('select xact_commit as n from pg_stat_database where datname = current_database()');
  return Number(rows[0]!.n);
}

async function main(): Promise<void> {
  const t = await benchContext({ SSE_HEARTBEAT_MS: '15000' });
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'scout-sse-'));
  const api = await startApi({ ...t.env, LOG_LEVEL: 'warn' }, ['--max-old-space-size=4096', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${tmp}`] : [])]);
  const results: Level[] = [];
  try {
    for (const streams of [PER_JOB, ...levels]) {
      const jobs = Math.ceil(streams / PER_JOB);
      const targets: { jobId: string; key: string }[] = [];
      for (let j = 0; j < jobs; j++) {
        const { key, row } = await createApiKey(t.ctx.repos.apiKeys, { name: `sse-${streams}-${j}`, rateLimitPerMin: 1_000_000 });
        const job = await t.ctx.repos.jobs.insert({
          id: newJobId(),
          apiKeyId: row.id,
          params: toJobParams(startJobSchema.parse({ brief: 'fitness creators for a protein bar launch' })),
          meta: emptyMeta(),
        });
        await t.ctx.repos.jobs.markRunning(job.id);
        for (let s = 0; s < PER_JOB && targets.length < streams; s++) targets.push({ jobId: job.id, key });
      }
      const jobIds = [...new Set(targets.map((x) => x.jobId))];
      const spec: SseClientSpec = { base: api.base, streams: targets, ramp: 100, expect: ROUNDS, timeoutMs: ROUNDS * INTERVAL_MS + 120_000 };
      const specFile = path.join(tmp, `spec-${streams}.json`);
      writeFileSync(specFile, JSON.stringify(spec));

      await sleep(1000);
      const rssBefore = rssOf(api.pid);
      const t0 = performance.now();
      const child = spawn(process.execPath, ['--max-old-space-size=4096', '--import', 'tsx', 'bench/lib/sse-client.ts', specFile], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines: string[] = [];
      let partial = '';
      let onLine: () => void = () => {};
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => {
        partial += d;
        const parts = partial.split('\n');
        partial = parts.pop()!;
        lines.push(...parts.filter(Boolean));
        onLine();
      });
      const exited = new Promise<number | null>((r) => child.on('exit', r));
      await new Promise<void>((resolve, reject) => {
        onLine = () => lines.length > 0 && resolve();
        void exited.then(() => reject(new Error('SSE client exited before opening its streams')));
      });
      const openSeconds = (performance.now() - t0) / 1000;
      const { open, failed } = JSON.parse(lines[0]!) as { open: number; failed: number };
      await sleep(2000);
      const rssAfter = rssOf(api.pid);
      console.log(`[bench:sse] ${open}/${streams} streams open in ${fmt(openSeconds)} s (${failed} failed); API RSS ${fmt(rssBefore / 2 ** 20)} → ${fmt(rssAfter / 2 ** 20)} MB`);

      const commitsBefore = await commits(t);
      for (let round = 0; round < ROUNDS; round++) {
        const started = Date.now();
        // one event per job, written as fast as Postgres takes them (like many workers progressing at once)
        await Promise.all(jobIds.map((id) => t.ctx.jobEvents.emit(id, 'progress', { t: Date.now() + (performance.now() % 1), round })));
        await sleep(Math.max(0, INTERVAL_MS - (Date.now() - started)));
      }
      await exited;
      const result = JSON.parse(lines.at(-1)!) as SseClientResult;
      // minus the bench's own event writes (one insert transaction each)
      const pgPerDelivery = (await commits(t) - commitsBefore - jobIds.length * ROUNDS) / Math.max(1, result.received);
      console.log(
        `[bench:sse] ${streams}: received ${result.received}/${result.expected}, p99 delay ${fmt(result.delay.p99)} ms; streams complete ${result.streamsComplete}, empty ${result.streamsEmpty}, ended by the server ${result.streamsEnded}`,
      );
      results.push({ streams, opened: open, failed, rssBefore, rssAfter, openSeconds, pgPerDelivery, result });
      // the client's exit closed every stream; let the API notice before the next level
      await sleep(3000);
    }
    const base = results[0]!;
    const body = [
      `One API process (\`src/bin/api.ts\`); a client process holds the streams (${PER_JOB} per job and per API key, the per-key cap;`,
      `opened 100 at a time). Then ${ROUNDS} rounds, ${INTERVAL_MS / 1000} s apart, each writing one \`progress\` event to every job through`,
      '`jobEvents.emit` (Postgres insert + Redis announce) from the bench process; delay = client parse time − the write\'s start time',
      '(same machine clock). Memory per stream = API RSS growth while the streams opened ÷ streams. Baseline: one job with 20 streams.',
      '',
      table(
        ['streams', 'jobs', 'opened / failed', 'open time s', 'API RSS before → after MB', 'memory per stream KB', 'events received / expected', 'delay p50 ms', 'delay p99 ms', 'max ms', 'p99 ÷ baseline p99', 'Postgres xacts per delivered event'],
        results.map((r) => [
          r.streams,
          Math.ceil(r.streams / PER_JOB),
          `${r.opened} / ${r.failed}`,
          fmt(r.openSeconds),
          `${fmt(r.rssBefore / 2 ** 20)} → ${fmt(r.rssAfter / 2 ** 20)}`,
          (r.rssAfter - r.rssBefore) / 1024 / Math.max(1, r.opened),
          `${r.result.received} / ${r.result.expected}`,
          r.result.delay.p50,
          r.result.delay.p99,
          r.result.delay.max,
          `${fmt(r.result.delay.p99 / base.result.delay.p99, 3)}×`,
          fmt(r.pgPerDelivery, 2),
        ]),
      ),
      '',
      `Events not received within ${ROUNDS * INTERVAL_MS / 1000 + 120} s of the first write are missing from "received" and from the delay percentiles.`,
    ].join('\n');
    await api.stop('SIGTERM');
    let extra = '';
    if (profile) {
      const prof = topSelfTime(tmp, 12);
      extra = [
        '\n',
        `CPU profile of the API process (\`node --cpu-prof\`, ${fmt(prof.totalMs / 1000)} s), self time by area:`,
        '',
        table(['area', 'share'], selfTimeByArea(tmp).slice(0, 10).map((a) => [a.area, `${fmt(a.share * 100, 1)} %`])),
        '',
        table(['function', 'self ms', 'share'], prof.entries.map((e) => [`\`${e.fn}\``, e.selfMs, `${fmt(e.share * 100, 1)} %`])),
      ].join('\n');
    }
    writeSection(SECTION, profile ? 'SSE fan-out, profiled run' : 'SSE fan-out: memory per stream and delivery delay', body + extra);
  } finally {
    await api.stop('SIGKILL');
    await t.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
