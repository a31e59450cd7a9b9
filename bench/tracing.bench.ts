/**
 * What tracing costs: the status route and a job's wall time with OTEL_EXPORTER_OTLP_ENDPOINT unset
 * (off: the SDK is not loaded) and set (on: every span exported to a local collector stand-in), on
 * the same database and index, alternating off/on rounds so machine load hits both alike.
 *   bash bench/run.sh tracing [--rounds 2] [--requests 400] [--jobs 4]
 */
import { parseArgs } from 'node:util';
import { FakeOtlpCollector } from '../test/fakes/otlp.fake.js';
import { freePort, runCli, startProcess, waitForHttp } from '../test/helpers/processes.js';
import { kimProfilesCsv } from '../test/helpers/shared-data.js';
import { createTestEnv } from '../test/helpers/test-env.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, requests: { type: 'string', default: '400' }, jobs: { type: 'string', default: '4' } } });
const [rounds, requests, jobs] = [Number(values.rounds), Number(values.requests), Number(values.jobs)];

const collector = new FakeOtlpCollector();
await collector.start(0);
const port = await freePort();
const env = await createTestEnv({
  PORT: String(port),
  MIGRATE_ON_START: 'true',
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MIN: '100000',
  RATE_LIMIT_BURST: '10000',
  START_RATE_LIMIT_PER_MIN: '10000',
  START_RATE_LIMIT_BURST: '1000',
});
const base = `http://127.0.0.1:${port}`;
await runCli(['import', kimProfilesCsv(), '--limit', '1500'], env.env);
const apiKey = (JSON.parse((await runCli(['keys', 'create', '--name', 'bench', '--json'], env.env)).stdout) as { key: string }).key;
const headers = { 'X-API-Key': apiKey, 'Content-Type': 'application/json' };

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const samples = { off: { status: [] as number[], job: [] as number[] }, on: { status: [] as number[], job: [] as number[] } };

async function round(mode: 'off' | 'on'): Promise<void> {
  const e = { ...env.env, ...(mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } : {}) };
  const worker = startProcess('src/bin/worker.ts', e);
  const api = startProcess('src/bin/api.ts', e);
  try {
    await waitForHttp(`${base}/health`, { proc: api, timeoutMs: 180_000 });
    await new Promise((r) => setTimeout(r, 2000));
    for (let j = 0; j <= jobs; j++) {
      const t0 = performance.now();
      const res = await fetch(`${base}/pipeline/start`, { method: 'POST', headers, body: JSON.stringify({ brief: `fitness coach promoting protein snacks ${j}`, top_k: 20 }) });
      const { job_id: id } = (await res.json()) as { job_id: string };
      for (;;) {
        const { status } = (await (await fetch(`${base}/pipeline/jobs/${id}`, { headers })).json()) as { status: string };
        if (status === 'completed' || status === 'failed') break;
        await new Promise((r) => setTimeout(r, 25));
      }
      if (j > 0) samples[mode].job.push(performance.now() - t0); // the first job warms up
      if (j === jobs) {
        for (let i = 0; i < requests; i++) {
          const s0 = performance.now();
          await (await fetch(`${base}/pipeline/jobs/${id}`, { headers })).arrayBuffer();
          if (i >= 20) samples[mode].status.push(performance.now() - s0);
        }
      }
    }
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
  }
}

for (let r = 0; r < rounds; r++) {
  await round('off');
  await round('on');
}
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
for (const m of ['off', 'on'] as const) {
  console.log(`${m}: status p50 ${fmt(pct(samples[m].status, 0.5))} p95 ${fmt(pct(samples[m].status, 0.95))} (n=${samples[m].status.length}); job wall p50 ${fmt(pct(samples[m].job, 0.5))} (n=${samples[m].job.length})`);
}
console.log(
  `on/off: status p50 ×${(pct(samples.on.status, 0.5) / pct(samples.off.status, 0.5)).toFixed(3)}, p95 ×${(pct(samples.on.status, 0.95) / pct(samples.off.status, 0.95)).toFixed(3)}; ` +
    `job wall p50 ×${(pct(samples.on.job, 0.5) / pct(samples.off.job, 0.5)).toFixed(3)}; spans received ${collector.spans.length}`,
);
await collector.stop();
await env.cleanup();
