import { readFileSync } from 'node:fs';
import os from 'node:os';
import { flag } from './lib/results.js';
import { fmt } from './lib/stats.js';

/**
 * Job cost of two running builds, side by side: the same NL briefs (src/eval/briefs.json) submitted
 * as jobs through each build's API, interleaved A, B, A, B, … so a shared machine's load falls on
 * both alike. Per job: wall time (POST /pipeline/start → status completed, polled every 50 ms) and
 * the CPU time (utime + stime from /proc/<pid>/stat) the API and worker processes spent meanwhile;
 * RSS (VmRSS, VmHWM) of both processes before and after the run.
 *
 * The builds are started by hand, each with its own DATABASE_URL, REDIS_PREFIX, DATA_DIR and PORT,
 * on its own import of the Kim file (see docs/quality.md, "What a job costs"):
 *
 *   bash scripts/node.sh bench/job-cost.ts \
 *     --old=http://127.0.0.1:3112,isk_old,<api pid>,<worker pid> \
 *     --new=http://127.0.0.1:3102,isk_new,<api pid>,<worker pid> --briefs=10 --rounds=3
 *
 * The pids are the node processes themselves (not npm or bash wrappers). Prints one line per job
 * and the medians with the ratio new / old (overall, then per round when there are several: round
 * 1 is each brief's first job, later rounds repeat the briefs); --json adds the raw samples.
 */
interface Build {
  name: string;
  url: string;
  key: string;
  apiPid: number;
  workerPid: number;
}

function parseBuild(name: string): Build {
  const spec = String(flag(name, ''));
  const [url, key, apiPid, workerPid] = spec.split(',');
  if (!url || !key || !apiPid || !workerPid) throw new Error(`--${name} URL,KEY,API_PID,WORKER_PID is required`);
  return { name, url, key, apiPid: Number(apiPid), workerPid: Number(workerPid) };
}

const TICK = 100; // USER_HZ on Linux
function cpuMs(pid: number): number {
  // fields after the parenthesised command name: state is field 3, utime 14, stime 15
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / TICK;
}
function memMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

async function api(b: Build, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(b.url + path, {
    method,
    headers: { 'X-API-Key': b.key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 400) throw new Error(`${b.name} ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function runJob(b: Build, brief: string) {
  const api0 = cpuMs(b.apiPid);
  const w0 = cpuMs(b.workerPid);
  const t0 = performance.now();
  const started = await api(b, 'POST', '/pipeline/start', { brief, top_k: 25, candidate_limit: 150 });
  const id = String(started.job_id);
  for (;;) {
    const job = await api(b, 'GET', `/pipeline/jobs/${id}`);
    if (job.status === 'completed') break;
    if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`${b.name} job ${id} ${String(job.status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const wall = performance.now() - t0;
  return { id, wall, apiCpu: cpuMs(b.apiPid) - api0, workerCpu: cpuMs(b.workerPid) - w0 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const builds = [parseBuild('old'), parseBuild('new')];
  const n = flag('briefs', 10);
  const rounds = flag('rounds', 1);
  const all = (JSON.parse(readFileSync(new URL('../src/eval/briefs.json', import.meta.url), 'utf8')) as { briefs: { id: string; brief: string }[] }).briefs;
  // every fifth brief: spread over the niches and languages instead of the first niche's six
  const picked = all.filter((_, i) => i % Math.max(1, Math.floor(all.length / n)) === 0).slice(0, n);
  const memBefore = builds.map((b) => ({ api: memMb(b.apiPid), worker: memMb(b.workerPid) }));
  const samples = builds.map(() => [] as (Awaited<ReturnType<typeof runJob>> & { round: number })[]);
  const loads: number[] = [];
  // one warm-up job per build (lazy loads: word vectors, LanceDB tables), not counted
  for (const b of builds) await runJob(b, picked[0]!.brief);
  for (let r = 0; r < rounds; r++) {
    for (const [i, p] of picked.entries()) {
      // alternate which build goes first so neither always follows the other's job
      const order = (i + r) % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of order) {
        const s = await runJob(builds[k]!, p.brief);
        samples[k]!.push({ ...s, round: r });
        loads.push(os.loadavg()[0]!);
        console.log(`[job-cost] ${builds[k]!.name} ${p.id}: wall ${fmt(s.wall)} ms, worker CPU ${fmt(s.workerCpu)} ms, API CPU ${fmt(s.apiCpu)} ms`);
      }
    }
  }
  const memAfter = builds.map((b) => ({ api: memMb(b.apiPid), worker: memMb(b.workerPid) }));
  const med = samples.map((s) => ({
    wall: median(s.map((x) => x.wall)),
    workerCpu: median(s.map((x) => x.workerCpu)),
    apiCpu: median(s.map((x) => x.apiCpu)),
  }));
  console.log(`\njobs per build: ${samples[0]!.length}; load average (1 min) during the run: median ${median(loads).toFixed(1)}, min ${Math.min(...loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}`);
  console.log('| | old | new | new / old |\n| --- | --- | --- | --- |');
  const row = (label: string, a: number, b: number) => console.log(`| ${label} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)} |`);
  row('median job wall time (ms)', med[0]!.wall, med[1]!.wall);
  row('median worker CPU per job (ms)', med[0]!.workerCpu, med[1]!.workerCpu);
  row('median API CPU per job (ms)', med[0]!.apiCpu, med[1]!.apiCpu);
  if (rounds > 1) {
    // round 1 is the first time each build sees these briefs: per-process caches (the new build's
    // word neighbours and index-vocabulary checks of keyword expansion) are cold, as for a new brief
    for (let r = 0; r < rounds; r++) {
      const of = samples.map((s) => s.filter((x) => x.round === r));
      const m = (i: number, f: (x: (typeof of)[number][number]) => number) => median(of[i]!.map(f));
      row(`round ${r + 1}: median job wall time (ms)`, m(0, (x) => x.wall), m(1, (x) => x.wall));
      row(`round ${r + 1}: median worker CPU per job (ms)`, m(0, (x) => x.workerCpu), m(1, (x) => x.workerCpu));
    }
  }
  for (const proc of ['api', 'worker'] as const) {
    row(`${proc} RSS before (MB)`, memBefore[0]![proc].rss, memBefore[1]![proc].rss);
    row(`${proc} RSS after (MB)`, memAfter[0]![proc].rss, memAfter[1]![proc].rss);
    row(`${proc} peak RSS, VmHWM (MB)`, memAfter[0]![proc].hwm, memAfter[1]![proc].hwm);
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify({ builds, samples, memBefore, memAfter, loads }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
