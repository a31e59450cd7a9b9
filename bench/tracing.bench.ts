/**
 * What tracing costs, measured so that a noisy machine cannot fake a result.
 *
 * Two API + worker pairs run side by side for the whole bench, each on its own database, index and
 * Redis prefix (same data): "off" (OTEL_EXPORTER_OTLP_ENDPOINT unset, the SDK is not even loaded)
 * and "on" (every span exported to a local collector stand-in, test/fakes/otlp.fake.ts). Measuring
 * alternates between them in short blocks — one off block and one on block form a pair, in ABBA
 * order so a drifting load favours neither — and every ratio is on/off *within a pair*, seconds
 * apart; the report gives each pair's ratios and their median.
 *
 * Besides wall time (status-route p50/p95, job wall time) each block reads the CPU time (utime +
 * stime, /proc/<pid>/stat) the API and the worker spent: per status request (API) and per job
 * (worker; API, which includes the status polls). CPU time barely moves with machine load, so it is
 * the figure to trust on a busy machine; wall time is what a caller sees on a quiet one.
 *
 *   npm run bench:tracing [-- --pairs=10 --jobs=4 --requests=300 --max-seconds=200 --creators=1500]
 *
 * --max-seconds bounds the run from its start (setup included): no pair is started that would end
 * after it, judged by the slowest pair so far, so a run stays within ~4 minutes on any machine.
 * Writes the "tracing" section of bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FakeOtlpCollector } from '../test/fakes/otlp.fake.js';
import { runCli } from '../test/helpers/processes.js';
import { kimProfilesCsv } from '../test/helpers/shared-data.js';
import { createTestEnv } from '../test/helpers/test-env.js';
import type { TestEnv } from '../test/helpers/test-env.js';
import { startApi, startWorkerProcess } from './lib/procs.js';
import type { BenchProcess } from './lib/procs.js';
import { flag, machineInfo, machineLine, sleep, writeSection } from './lib/results.js';
import { fmt, percentile, table } from './lib/stats.js';

const pairs = flag('pairs', 10);
const jobsPerBlock = flag('jobs', 4);
const requestsPerBlock = flag('requests', 300);
const maxSeconds = flag('max-seconds', 200);
const creators = flag('creators', 1500);
/**
 * The on side's batch exporter sends every second (the default is 5 s, batches then only get bigger,
 * so the cost per span is if anything lower), and each phase waits a little longer than that before
 * its CPU is read, so the export of a block's spans is counted in that block. A 100 ms delay was
 * tried first: with batches of two or three spans the per-export cost made the API look ×1.44 per job.
 */
const BSP_DELAY_MS = 1000;
const SETTLE_MS = 1100;
const POLL_MS = 50;

const started = performance.now();
const elapsedS = () => (performance.now() - started) / 1000;
const log = (msg: string) => console.log(`[tracing ${elapsedS().toFixed(0).padStart(3)} s] ${msg}`);

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // USER_HZ is 100 on every common Linux build
}
/** CPU time (user + system, all threads) a process has used so far, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // rest[0] is field 3 (state)
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / ticksPerSecond;
}
const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

type Mode = 'off' | 'on';
interface Side {
  mode: Mode;
  env: TestEnv;
  api: BenchProcess & { base: string };
  worker: BenchProcess;
  headers: Record<string, string>;
  lastJob: string;
  seq: number;
}
interface Block {
  statusP50: number;
  statusP95: number;
  apiCpuPerRequest: number;
  jobWall: number;
  workerCpuPerJob: number;
  apiCpuPerJob: number;
}
const METRICS: { key: keyof Block; label: string; unit: string }[] = [
  { key: 'statusP50', label: 'status route p50', unit: 'ms' },
  { key: 'statusP95', label: 'status route p95', unit: 'ms' },
  { key: 'apiCpuPerRequest', label: 'API CPU per status request', unit: 'ms' },
  { key: 'jobWall', label: 'job wall time (median)', unit: 'ms' },
  { key: 'workerCpuPerJob', label: 'worker CPU per job', unit: 'ms' },
  { key: 'apiCpuPerJob', label: 'API CPU per job (start + status polls)', unit: 'ms' },
];

const collector = new FakeOtlpCollector();
await collector.start(0);

async function prepare(mode: Mode): Promise<Side> {
  const env = await createTestEnv({
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MIN: '100000',
    RATE_LIMIT_BURST: '10000',
    START_RATE_LIMIT_PER_MIN: '10000',
    START_RATE_LIMIT_BURST: '1000',
    ...(mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: String(BSP_DELAY_MS) } : {}),
  });
  const imported = await runCli(['import', kimProfilesCsv(), '--limit', String(creators)], env.env);
  if (imported.code !== 0) throw new Error(`import (${mode}) failed: ${imported.stderr}`);
  const key = await runCli(['keys', 'create', '--name', `bench-${mode}`, '--json'], env.env);
  const apiKey = (JSON.parse(key.stdout) as { key: string }).key;
  const [worker, api] = await Promise.all([startWorkerProcess(env.env), startApi(env.env)]);
  return { mode, env, api, worker, headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' }, lastJob: '', seq: 0 };
}

async function runJob(side: Side): Promise<number> {
  const t0 = performance.now();
  const brief = `fitness coach promoting protein snacks ${side.mode} ${side.seq++}`;
  const res = await fetch(`${side.api.base}/pipeline/start`, { method: 'POST', headers: side.headers, body: JSON.stringify({ brief, top_k: 20 }) });
  if (res.status !== 202) throw new Error(`${side.mode}: start answered ${res.status}: ${await res.text()}`);
  const { job_id: id } = (await res.json()) as { job_id: string };
  for (;;) {
    const { status } = (await (await fetch(`${side.api.base}/pipeline/jobs/${id}`, { headers: side.headers })).json()) as { status: string };
    if (status === 'completed') break;
    if (status === 'failed' || status === 'cancelled') throw new Error(`${side.mode}: job ${id} ${status}`);
    await sleep(POLL_MS);
  }
  side.lastJob = id;
  return performance.now() - t0;
}

async function statusRequests(side: Side, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${side.api.base}/pipeline/jobs/${side.lastJob}`, { headers: side.headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${side.mode}: status answered ${res.status}`);
    times.push(performance.now() - t0);
  }
  return times;
}

async function block(side: Side): Promise<Block> {
  const { api, worker } = side;
  let [a0, w0] = [cpuMs(api.pid), cpuMs(worker.pid)];
  const walls: number[] = [];
  for (let j = 0; j < jobsPerBlock; j++) walls.push(await runJob(side));
  await sleep(SETTLE_MS); // the on side's spans of this phase leave the batch exporter
  let [a1, w1] = [cpuMs(api.pid), cpuMs(worker.pid)];
  const jobCpu = { api: (a1 - a0) / jobsPerBlock, worker: (w1 - w0) / jobsPerBlock };

  [a0, w0] = [cpuMs(api.pid), cpuMs(worker.pid)];
  const times = (await statusRequests(side, requestsPerBlock)).sort((x, y) => x - y);
  await sleep(SETTLE_MS);
  [a1, w1] = [cpuMs(api.pid), cpuMs(worker.pid)];
  return {
    statusP50: percentile(times, 50),
    statusP95: percentile(times, 95),
    apiCpuPerRequest: (a1 - a0) / requestsPerBlock,
    jobWall: percentile([...walls].sort((x, y) => x - y), 50),
    workerCpuPerJob: jobCpu.worker,
    apiCpuPerJob: jobCpu.api,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

log(`setup: two databases with ${creators} creators each, two API + worker pairs (load ${loadAvg()})`);
const [off, on] = await Promise.all([prepare('off'), prepare('on')]);
const sides = { off, on };
try {
  log('warm-up: 2 jobs and 50 status requests on each side (not measured)');
  for (const side of [off, on]) {
    await runJob(side);
    await runJob(side);
    await statusRequests(side, 50);
  }
  const spansBefore = collector.spans.length;
  if (spansBefore === 0) throw new Error('the on side exported no spans during the warm-up');

  const results: { off: Block; on: Block }[] = [];
  const loads: string[] = [];
  let pairSeconds = 0;
  for (let p = 0; p < pairs; p++) {
    if (p > 0 && elapsedS() + pairSeconds > maxSeconds) {
      log(`stopping after ${p} pairs: another would end after --max-seconds=${maxSeconds}`);
      break;
    }
    const t0 = performance.now();
    const order: Mode[] = p % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
    const pair = {} as { off: Block; on: Block };
    for (const mode of order) pair[mode] = await block(sides[mode]);
    results.push(pair);
    loads.push(loadAvg().split(' ')[0]!);
    pairSeconds = Math.max(pairSeconds, (performance.now() - t0) / 1000);
    log(
      `pair ${p + 1} (ran ${order.join(' then ')}; figures off→on): ` +
        METRICS.map((m) => `${m.key} ${fmt(pair.off[m.key])}→${fmt(pair.on[m.key])}`).join(', '),
    );
  }
  const spans = collector.spans.length - spansBefore;

  const ratioRows = METRICS.map((m) => {
    const ratios = results.map((r) => r.on[m.key] / r.off[m.key]);
    return [
      m.label,
      `${fmt(median(results.map((r) => r.off[m.key])))} ${m.unit}`,
      `${fmt(median(results.map((r) => r.on[m.key])))} ${m.unit}`,
      `**×${median(ratios).toFixed(3)}**`,
      `×${Math.min(...ratios).toFixed(2)}–×${Math.max(...ratios).toFixed(2)}`,
      ratios.map((x) => x.toFixed(2)).join(' '),
    ];
  });
  const summary = table(['measure', 'off (median of pairs)', 'on (median of pairs)', 'on/off, median of per-pair ratios', 'range', 'per pair'], ratioRows);
  const body = [
    `${results.length} pairs of blocks (ABBA), each block ${jobsPerBlock} jobs (top_k 20, ${creators} creators, hashing embedder, heuristic LLM) then ${requestsPerBlock} status requests; ` +
      `off = OTEL_EXPORTER_OTLP_ENDPOINT unset, on = every span exported to the local collector stand-in (${spans} spans in the measured blocks). ` +
      `CPU = utime + stime of the process from /proc/<pid>/stat over the block (${1000 / ticksPerSecond} ms ticks). ` +
      `Load average (1 min) at the end of each pair: ${loads.join(', ')}. Run time ${elapsedS().toFixed(0)} s.`,
    '',
    summary,
    '',
    'Trust the CPU rows on a loaded machine; the wall-time rows need a quiet one.',
  ].join('\n');
  console.log(`\n${machineLine(machineInfo())}\n\n${body}\n`);
  writeSection('tracing', 'Tracing overhead: OpenTelemetry off vs on (bench:tracing)', body);
} finally {
  await Promise.all([off.api.stop(), off.worker.stop(), on.api.stop(), on.worker.stop()]);
  await collector.stop();
  await Promise.all([off.env.cleanup(), on.env.cleanup()]);
}
log('done');
