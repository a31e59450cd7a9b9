import type { Pool } from 'pg';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newJobId } from '../src/domain/ids.js';
import { emptyMeta, startJobSchema, toJobParams } from '../src/domain/job.js';
import { createApiKey } from '../src/services/api-keys.service.js';
import { repoRoot } from '../test/helpers/processes.js';
import { benchContext } from './lib/bench-env.js';
import { freePort, waitForHttp } from '../test/helpers/processes.js';
import { selfTimeByArea, spawnTs, startApi, topSelfTime } from './lib/procs.js';
import { cpuMsOf, flag, hasFlag, rssOf, sleep, writeSection } from './lib/results.js';
import type { SseClientResult, SseClientSpec } from './lib/sse-client.js';
import { fmt, table } from './lib/stats.js';

/**
 * SSE fan-out on one API process: 1k, 5k and 10k concurrent streams (20 per job and per API key,
 * the per-key cap), held by a client in another process. Memory per stream = growth of the API's
 * RSS when the streams open ÷ streams. Delay = from the moment the bench writes an event (Postgres
 * insert + Redis announce, `jobEvents.emit`) to the moment the client parsed it. Baseline in the same
 * run: one job watched by 20 streams. Floor in the same run, at every level: a bare node:http server
 * (bench/lib/sse-floor-server.ts, its own process) holding as many streams opened by the same client,
 * writing one frame of the same size to every stream per round in the cheapest way (framed once, one
 * `socket.write` of a pre-built Buffer per stream). Both servers log when the round's first
 * announcement arrived and when their last socket write returned (the API through
 * src/api/sse/fan-out-trace.ts and bench/lib/sse-trace.ts), which splits the delay into writing and
 * the client's reading.
 */
const levels = String(flag('levels', '1000,5000,10000')).split(',').map(Number);
const PER_JOB = 20;
const ROUNDS = flag('rounds', 5);
const INTERVAL_MS = flag('interval', 2000);
const profile = hasFlag('profile');
const FLOOR_WRITE = String(flag('floor-write', 'socket'));
/** with --profile the figures go to their own section, so a short profiling run leaves the main one alone */
const SECTION = profile ? 'sse-profile' : 'sse';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** µs of server CPU per event delivered, over the rounds (everything the process did meanwhile included) */
const cpuPerEvent = (run: Run) => (run.serverCpuMs * 1000) / Math.max(1, run.result.received);

/** One round as the server saw it, ms after the bench started the round. */
interface RoundSplit {
  /** first announcement (API) or the trigger (floor) reached the server */
  received: number;
  /** the last announcement of the round reached the server (floor: the trigger) */
  announced: number;
  /** the server's last socket write for the round returned */
  written: number;
  /** the client had parsed the round's event on every stream */
  parsed: number;
  /** the bench had every event of the round written (ours: the last `emit` resolved; floor: the trigger answered) */
  emitted: number;
}

interface Run {
  opened: number;
  failed: number;
  rssBefore: number;
  rssAfter: number;
  openSeconds: number;
  result: SseClientResult;
  split: RoundSplit[];
  /** CPU time (user + system) of the server process from the first round's start until the client had every event, ms */
  serverCpuMs: number;
}

interface Level extends Run {
  streams: number;
  /** Postgres transactions committed on the service's database per event delivered */
  pgPerDelivery: number;
  /** median time for the bench to emit one round's events (one per job) with no stream open, ms */
  emitAloneMs: number;
  floor: Run | null;
}

interface TraceLine {
  /** the event's seq: round + 1 (every job of a level gets its n-th event in round n) */
  seq: number;
  received: number;
  lastAnnounced?: number;
  lastWrite: number;
  writes: number;
}

const traceLines = (file: string): TraceLine[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceLine) : [];

/**
 * Opens the streams of `targets` on `base` from a client process, runs ROUNDS rounds of `fire`
 * (given the round's number and its start, wall ms), waits for the client's result and pairs each
 * round with the server's trace line for it.
 */
async function runStreams(
  label: string,
  base: string,
  pid: number,
  targets: { jobId: string; key: string }[],
  tmp: string,
  traceFile: string,
  fire: (round: number, started: number) => Promise<unknown>,
  between?: { before(): Promise<void> },
): Promise<Run> {
  const spec: SseClientSpec = { base, streams: targets, ramp: 100, expect: ROUNDS, timeoutMs: ROUNDS * INTERVAL_MS + 120_000 };
  const specFile = path.join(tmp, `spec-${label}-${targets.length}.json`);
  writeFileSync(specFile, JSON.stringify(spec));

  await sleep(1000);
  const rssBefore = rssOf(pid);
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
  const rssAfter = rssOf(pid);
  console.log(`[bench:sse] ${label}: ${open}/${targets.length} streams open in ${fmt(openSeconds)} s (${failed} failed); RSS ${fmt(rssBefore / 2 ** 20)} → ${fmt(rssAfter / 2 ** 20)} MB`);

  await between?.before();
  const clientDone = new Promise<void>((resolve) => {
    onLine = () => lines.some((l) => l.includes('"done"')) && resolve();
    void exited.then(() => resolve());
  });
  const traceBefore = traceLines(traceFile).length;
  const starts: number[] = [];
  const emitted: number[] = [];
  // with --profile, the server profiles the rounds (bench/lib/sse-trace.ts)
  if (profile) {
    process.kill(pid, 'SIGUSR2');
    await sleep(200);
  }
  const cpuBefore = cpuMsOf(pid);
  for (let round = 0; round < ROUNDS; round++) {
    const started = Date.now();
    starts.push(started);
    await fire(round, started);
    emitted.push(Date.now() - started);
    await sleep(Math.max(0, INTERVAL_MS - (Date.now() - started)));
  }
  await clientDone;
  const serverCpuMs = cpuMsOf(pid) - cpuBefore;
  if (profile) process.kill(pid, 'SIGUSR2');
  await exited;
  const result = JSON.parse(lines.at(-1)!) as SseClientResult;
  const trace = traceLines(traceFile).slice(traceBefore);
  const split = starts.flatMap((started, round) => {
    const line = trace.find((l) => l.seq === round + 1);
    const parsed = result.lastParsed[round];
    return line && parsed !== undefined ? [{ received: line.received - started, announced: (line.lastAnnounced ?? line.received) - started, emitted: emitted[round]!, written: line.lastWrite - started, parsed }] : [];
  });
  console.log(
    `[bench:sse] ${label} ${targets.length}: received ${result.received}/${result.expected}, p50 ${fmt(result.delay.p50)} p99 ${fmt(result.delay.p99)} ms; ` +
      `server CPU ${fmt((serverCpuMs * 1000) / Math.max(1, result.received))} µs per delivered event; emitted by ${fmt(median(split.map((x) => x.emitted)))} ms, ` +
      `last announced ${fmt(median(split.map((x) => x.announced)))} ms, written by ${fmt(median(split.map((x) => x.written)))} ms, parsed by ${fmt(median(split.map((x) => x.parsed)))} ms (medians of ${split.length} rounds)`,
  );
  // the client's exit closed every stream; let the server notice before the next level
  await sleep(3000);
  return { opened: open, failed, rssBefore, rssAfter, openSeconds, result, split, serverCpuMs };
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
  const apiTrace = path.join(tmp, 'api-trace.jsonl');
  const apiProfiles = path.join(tmp, 'api-profiles');
  const floorProfiles = path.join(tmp, 'floor-profiles');
  mkdirSync(apiProfiles);
  mkdirSync(floorProfiles);
  const api = await startApi({ ...t.env, LOG_LEVEL: 'warn', SSE_TRACE_FILE: apiTrace, ...(profile ? { SSE_PROFILE_DIR: apiProfiles } : {}) }, [
    '--max-old-space-size=4096',
    '--import',
    './bench/lib/sse-trace.ts',
  ]);
  const floorPort = await freePort();
  const floorTrace = path.join(tmp, 'floor-trace.jsonl');
  const floor = spawnTs(
    'bench/lib/sse-floor-server.ts',
    { PORT: String(floorPort), SSE_TRACE_FILE: floorTrace, FLOOR_WRITE, ...(profile ? { SSE_PROFILE_DIR: floorProfiles } : {}) },
    // the trace module only for its profiler switch (the floor writes its own trace lines)
    ['--max-old-space-size=4096', ...(profile ? ['--import', './bench/lib/sse-trace.ts'] : [])],
  );
  const floorBase = `http://127.0.0.1:${floorPort}`;
  await waitForHttp(`${floorBase}/health`, { proc: floor });
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
      let commitsBefore = 0;
      const ours = await runStreams(
        'api',
        api.base,
        api.pid,
        targets,
        tmp,
        apiTrace,
        // one event per job, written as fast as Postgres takes them (like many workers progressing at once)
        (round) => Promise.all(jobIds.map((id) => t.ctx.jobEvents.emit(id, 'progress', { t: Date.now() + (performance.now() % 1), round }))),
        { before: async () => void (commitsBefore = await commits(t)) },
      );
      const commitsAfter = await commits(t);
      // the same rounds of emits with no stream open: what producing the events costs on its own
      // (its time, and its commits: group commit writes a round in one or a few)
      const emitAlone: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const started = Date.now();
        await Promise.all(jobIds.map((id) => t.ctx.jobEvents.emit(id, 'progress', { t: Date.now(), round })));
        emitAlone.push(Date.now() - started);
        await sleep(Math.max(0, INTERVAL_MS / 4 - (Date.now() - started)));
      }
      // minus the bench's own event writes
      const pgPerDelivery = (commitsAfter - commitsBefore - ((await commits(t)) - commitsAfter)) / Math.max(1, ours.result.received);
      const floorRun =
        streams === PER_JOB
          ? null
          : await runStreams('floor', floorBase, floor.pid, targets, tmp, floorTrace, (round, started) =>
              fetch(`${floorBase}/fire?t=${started + (performance.now() % 1)}&round=${round}`, { method: 'POST' }),
            );
      results.push({ streams, pgPerDelivery, emitAloneMs: median(emitAlone), ...ours, floor: floorRun });
    }
    const base = results[0]!;
    const body = [
      `One API process (\`src/bin/api.ts\`); a client process holds the streams (${PER_JOB} per job and per API key, the per-key cap;`,
      `opened 100 at a time). Then ${ROUNDS} rounds, ${INTERVAL_MS / 1000} s apart, each writing one \`progress\` event to every job through`,
      '`jobEvents.emit` (Postgres insert + Redis announce; group commit: the emits of a round share statements and Redis round trips) from the',
      'bench process; delay = client parse time − the write\'s start time (same machine clock). Memory per stream = API RSS growth while the',
      'streams opened ÷ streams. Baseline: one job with 20 streams. Postgres xacts: the database\'s commits while the streams were fed, minus',
      'those of the same rounds of emits with no stream open.',
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
      '',
      `**Floor, same run:** a bare \`node:http\` server in its own process (\`bench/lib/sse-floor-server.ts\`: no Express, Postgres or Redis) holding the`,
      'same streams opened by the same client; each round the bench POSTs a trigger to it and it writes one frame of the same shape and size',
      `as our \`progress\` event to every stream, framed once per round, written ${FLOOR_WRITE === 'socket' ? 'with one `socket.write` of a pre-built chunked Buffer per stream' : 'with one `res.write` per stream inside a cork/uncork'};`,
      'same client, same delay definition (client parse time − the trigger\'s start time).',
      '',
      table(
        ['streams', 'floor opened', 'floor memory per stream KB', 'floor received / expected', 'floor p50 ms', 'floor p99 ms', 'ours p50 ms', 'ours p99 ms', 'p50 ours ÷ floor', 'p99 ours ÷ floor', 'server CPU µs per delivered event: ours / floor', 'CPU ours ÷ floor'],
        results
          .filter((r) => r.floor)
          .map((r) => {
            const f = r.floor!;
            return [
              r.streams,
              f.opened,
              (f.rssAfter - f.rssBefore) / 1024 / Math.max(1, f.opened),
              `${f.result.received} / ${f.result.expected}`,
              f.result.delay.p50,
              f.result.delay.p99,
              r.result.delay.p50,
              r.result.delay.p99,
              `${fmt(r.result.delay.p50 / f.result.delay.p50, 2)}×`,
              `${fmt(r.result.delay.p99 / f.result.delay.p99, 2)}×`,
              `${fmt(cpuPerEvent(r))} / ${fmt(cpuPerEvent(f))}`,
              `${fmt(cpuPerEvent(r) / cpuPerEvent(f), 2)}×`,
            ];
          }),
      ),
      '',
      'Where a round\'s time goes (medians over the rounds, ms after the round started): the bench had written every event (ours: its last',
      '`emit`, Postgres insert + Redis publish, resolved; floor: the trigger answered; "with no stream open": the same round of emits after',
      'the level\'s streams closed); the first and the last announcement (ours: the Redis',
      'messages of the bench\'s `emit`s, one per job) or the trigger (floor) reached the server; the server\'s last socket write of the round returned (ours: the last',
      'uncork of a stream holding the event, through `src/api/sse/fan-out-trace.ts`); the client had parsed the event on every stream.',
      '',
      table(
        ['streams', 'server', 'rounds traced', 'bench emitting with no stream open', 'bench done emitting', 'first announcement', 'last announcement', 'last write returned', 'all parsed by client', 'writing share of all-parsed'],
        results.flatMap((r) =>
          ([['ours', r], ['floor', r.floor]] as [string, Run | null][])
            .flatMap(([who, run]) => (run ? [[who, run] as const] : []))
            .map(([who, run]) => {
              const recv = median(run.split.map((x) => x.received));
              const announced = median(run.split.map((x) => x.announced));
              const written = median(run.split.map((x) => x.written));
              const parsed = median(run.split.map((x) => x.parsed));
              return [r.streams, who, run.split.length, who === 'ours' ? r.emitAloneMs : '', median(run.split.map((x) => x.emitted)), recv, announced, written, parsed, `${fmt((written / parsed) * 100, 0)} %`];
            }),
        ),
      ),
    ].join('\n');
    await api.stop('SIGTERM');
    await floor.stop('SIGTERM');
    let extra = '';
    if (profile) {
      const part = (who: string, dir: string) => {
        const prof = topSelfTime(dir, 14);
        return [
          `CPU profile of the ${who} during the rounds of its busiest level (V8 profiler started and stopped around the rounds, ${fmt(prof.totalMs / 1000)} s), self time by area:`,
          '',
          table(['area', 'share'], selfTimeByArea(dir).slice(0, 10).map((a) => [a.area, `${fmt(a.share * 100, 1)} %`])),
          '',
          table(['function', 'self ms', 'share'], prof.entries.map((e) => [`\`${e.fn}\``, e.selfMs, `${fmt(e.share * 100, 1)} %`])),
        ].join('\n');
      };
      extra = ['\n', part('API process', apiProfiles), '', part('floor server', floorProfiles)].join('\n');
    }
    writeSection(SECTION, profile ? 'SSE fan-out, profiled run' : 'SSE fan-out: memory per stream and delivery delay', body + extra);
  } finally {
    await api.stop('SIGKILL');
    await floor.stop('SIGKILL');
    await t.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
