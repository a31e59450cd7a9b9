import { readFileSync } from 'node:fs';
import http from 'node:http';
import { replyJson } from './child.js';
import { summarize } from './stats.js';
import type { Summary } from './stats.js';

/**
 * A closed-loop HTTP load generator meant to run in its own process (so it does not share a CPU
 * queue with the server it measures): `connections` keep-alive connections, each sending its next
 * request when the previous answer arrived, for `durationMs` after a warm-up, and never more than
 * `maxRequests`. Only loopback targets are accepted. Prints one JSON LoadResult on stdout.
 *
 *   node --import tsx bench/lib/loadgen.ts '<LoadSpec JSON>'
 */
export interface LoadSpec {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** request body; every `{n}` is replaced with a per-request counter (unique idempotency keys) */
  body?: string;
  /** header values may use `{n}` too */
  /** per-connection extra headers: connection i uses laneHeaders[i % length] (e.g. one API key each) */
  laneHeaders?: Record<string, string>[];
  connections: number;
  durationMs: number;
  warmupMs?: number;
  maxRequests?: number;
  /** a server process (same machine) whose CPU time over the measured window is reported */
  cpuPid?: number;
}

export interface LoadResult {
  requests: number;
  durationMs: number;
  rps: number;
  latency: Summary;
  statuses: Record<string, number>;
  errors: number;
  /** CPU time (user + system) of `cpuPid` per measured request, in µs (tick resolution, 10 ms per window) */
  serverCpuUsPerReq?: number;
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** utime + stime of a process, in ms, from /proc/<pid>/stat (fields 14 and 15, after the parenthesised name). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!(host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host))) {
    throw new Error(`load generator only targets loopback addresses, not ${host}`);
  }
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  assertLoopback(spec.url);
  const u = new URL(spec.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  let counter = 0;
  const fill = (s: string) => s.replace(/\{n\}/g, () => `${process.pid}-${counter}`);

  const once = (lane: number): Promise<number> =>
    new Promise((resolve, reject) => {
      counter++;
      const headers: Record<string, string> = {};
      const extra = spec.laneHeaders?.length ? spec.laneHeaders[lane % spec.laneHeaders.length] : undefined;
      for (const [k, v] of Object.entries({ ...spec.headers, ...extra })) headers[k] = fill(v);
      const body = spec.body === undefined ? undefined : fill(spec.body);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = http.request(
        { agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method: spec.method ?? 'GET', headers },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const warmupEnd = Date.now() + (spec.warmupMs ?? 1000);
  while (Date.now() < warmupEnd) {
    await Promise.all(Array.from({ length: spec.connections }, (_, i) => once(i).catch(() => 0)));
  }

  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const max = spec.maxRequests ?? Number.MAX_SAFE_INTEGER;
  const cpuBefore = spec.cpuPid === undefined ? 0 : cpuMsOf(spec.cpuPid);
  const started = performance.now();
  const stopAt = started + spec.durationMs;
  const lane = async (_: unknown, i: number) => {
    while (performance.now() < stopAt && latencies.length + errors < max) {
      const t0 = performance.now();
      try {
        const status = await once(i);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, lane));
  const durationMs = performance.now() - started;
  const cpuMs = spec.cpuPid === undefined ? undefined : cpuMsOf(spec.cpuPid) - cpuBefore;
  agent.destroy();
  return {
    requests: latencies.length,
    durationMs,
    rps: (latencies.length / durationMs) * 1000,
    latency: summarize(latencies),
    statuses,
    errors,
    ...(cpuMs === undefined || latencies.length === 0 ? {} : { serverCpuUsPerReq: (cpuMs * 1000) / latencies.length }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  replyJson(() => runLoad(spec));
}
