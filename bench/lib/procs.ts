import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, repoRoot, startProcess, waitForHttp } from '../../test/helpers/processes.js';
import type { RunningProcess } from '../../test/helpers/processes.js';

export type BenchProcess = RunningProcess;

/** Starts a TypeScript entry point in its own Node process with extra Node flags (e.g. --cpu-prof). */
export function spawnTs(entry: string, env: Record<string, string>, nodeArgs: string[] = [], args: string[] = []): BenchProcess {
  return startProcess(entry, env, args, { nodeArgs, maxOutputChars: 200_000 });
}

/** The real API process (src/bin/api.ts) on a free port, once /health answers. */
export async function startApi(env: Record<string, string>, nodeArgs: string[] = []): Promise<BenchProcess & { base: string }> {
  const port = await freePort();
  const proc = spawnTs('src/bin/api.ts', { ...env, PORT: String(port) }, nodeArgs);
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/health`, { timeoutMs: 60_000, proc });
  return { ...proc, base };
}

/** The real worker process (src/bin/worker.ts), once it logged "worker ready". */
export async function startWorkerProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<BenchProcess> {
  const proc = spawnTs('src/bin/worker.ts', { ...env, LOG_LEVEL: 'info' }, nodeArgs);
  const deadline = Date.now() + 60_000;
  while (!proc.output().includes('"worker ready"')) {
    if (proc.child.exitCode !== null) throw new Error(`worker exited early:\n${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`worker not ready in time:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return proc;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The profile of the thread that worked most: with `--import tsx` a process writes one profile per
 * thread (the module-loader thread too), and the main thread is the one with the fewest idle samples.
 */
function busiestProfile(dir: string): CpuProfile {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`);
  let best: { prof: CpuProfile; busy: number } | null = null;
  for (const f of files) {
    const prof = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    const idle = new Set(prof.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
    const busy = prof.samples.reduce((n, id, i) => n + (idle.has(id) ? 0 : (prof.timeDeltas[i] ?? 0)), 0);
    if (!best || busy > best.busy) best = { prof, busy };
  }
  return best!.prof;
}

export interface ProfileEntry {
  fn: string;
  selfMs: number;
  share: number;
}

/**
 * Self time per function from a V8 .cpuprofile (the newest one in `dir`), highest first. Idle and
 * GC are reported as their own rows, so the share of real work is visible.
 */
export function topSelfTime(dir: string, top = 12): { totalMs: number; entries: ProfileEntry[] } {
  const prof = busiestProfile(dir);
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const n = byId.get(id);
    if (!n) return;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? `${url.replace(/^file:\/\//, '').replace(`${repoRoot}`, '').replace(/.*node_modules\//, 'npm:')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const entries = [...self.entries()]
    .map(([fn, selfMs]) => ({ fn, selfMs, share: selfMs / total }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
  return { totalMs: total, entries };
}

/** Self time grouped by package / area (npm:<pkg>, our src/…, node internals, idle, GC). */
export function selfTimeByArea(dir: string): { area: string; share: number }[] {
  const prof = busiestProfile(dir);
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const areas = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    const { functionName, url } = byId.get(id)?.callFrame ?? { functionName: '', url: '' };
    let area: string;
    if (functionName === '(idle)') area = 'idle';
    else if (functionName === '(garbage collector)') area = 'GC';
    else if (functionName === '(program)') area = '(program: native/V8)';
    else if (url.includes('node_modules/')) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
      area = `npm:${m?.[1] ?? '?'}`;
    } else if (url.includes('/src/')) area = `src/${url.split('/src/')[1]!.split('/')[0]}`;
    else if (url.startsWith('node:') || url === '') area = 'node internals';
    else area = 'other';
    areas.set(area, (areas.get(area) ?? 0) + dt);
  });
  return [...areas.entries()].map(([area, t]) => ({ area, share: t / total })).sort((a, b) => b.share - a.share);
}
