import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { parse, stringify } from 'yaml';
import { FakeOpenAi } from '../fakes/openai.fake.js';
import { freePort, repoRoot, runCli, startProcess, waitForHttp } from '../helpers/processes.js';
import type { RunningProcess } from '../helpers/processes.js';
import { kimProfilesCsv } from '../helpers/shared-data.js';
import { createTestEnv, REDIS_URL } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';

/**
 * deploy/grafana/*.json and deploy/prometheus/alerts.yml against the real thing: Debian's Prometheus
 * scrapes a real API and worker (local processes, Postgres, Redis, OpenAI-compatible fakes for the
 * priced LLM and embeddings calls) every second. Every dashboard query must return data; every alert
 * is provoked until Prometheus reports it firing: failing jobs and provider errors (the embeddings
 * fake answers 500), the BrightData 429 window filled, the worker stopped, the queue flooded.
 * The rules are the committed ones with `for:` shortened to 2 s. `npm run test:ops`.
 *
 * Prometheus only sees what a scrape catches, and increase()/rate() need a sample from before an
 * increment and one after it. Prometheus 2.42 scrapes a static target for the first time 5–10 s after
 * it reports ready (service discovery hands targets over on a 5 s tick, the scrape manager reloads on
 * another), so jobs run right after /-/ready can finish before the first scrape and their increments
 * are never seen: every rate() panel stays empty and the failure alerts never fire, however long one
 * waits. Hence each phase below starts only after Prometheus has stored a scrape of both processes
 * taken after the previous phase ended (`scrapedAfter`), instead of sleeping for a guessed time.
 */
const SHORT_FOR = '2s';
let env: TestEnv;
let api: RunningProcess;
let worker: RunningProcess;
let prometheus: ReturnType<typeof spawn>;
let promOut = '';
let promUrl = '';
let base = '';
let apiKey = '';
let tmp = '';
const llm = new FakeOpenAi({ apiKey: 'sk-ops' });
const embeddings = new FakeOpenAi({ apiKey: 'sk-ops', embeddingDim: 64 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  assert.equal(body.status, 'success', `${expr}: ${body.error}`);
  return body.data.result;
}

/** Prometheus's own clock (`time()`): scrape timestamps are compared with it, not with ours. */
async function promTime(): Promise<number> {
  const res = await fetch(`${promUrl}/api/v1/query?query=time()`);
  const body = (await res.json()) as { data: { result: [number, string] } };
  return body.data.result[0];
}

/**
 * Waits until Prometheus holds a successful scrape of both the API and the worker that started
 * after `since` (Prometheus time), so everything the processes counted before `since` is stored.
 */
async function scrapedAfter(since: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: { metric: Record<string, string>; value: [number, string] }[] = [];
  while (Date.now() < deadline) {
    // timestamp() of a bare selector is the sample's (scrape's) time; of any other expression
    // (`up == 1`) it is the evaluation time, which is always "after" — hence two queries.
    const [stamps, ups] = await Promise.all([query('timestamp(up{job=~"scout-api|scout-worker"})'), query('up{job=~"scout-api|scout-worker"} == 1')]);
    const healthy = new Set(ups.map((r) => r.metric.job));
    last = stamps;
    if (new Set(stamps.filter((r) => Number(r.value[1]) > since && healthy.has(r.metric.job)).map((r) => r.metric.job)).size === 2) return;
    await sleep(250);
  }
  throw new Error(`no scrape of both targets after ${since} within ${timeoutMs} ms (last: ${JSON.stringify(last)})\n${promOut.slice(-3000)}`);
}

const nextScrape = async () => scrapedAfter(await promTime());

async function firing(): Promise<Set<string>> {
  const res = (await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as { data: { alerts: { labels: { alertname: string }; state: string }[] } };
  return new Set(res.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname));
}

async function waitFiring(name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await firing()).has(name)) return;
    await sleep(500);
  }
  throw new Error(`${name} did not fire within ${timeoutMs} ms (firing: ${[...(await firing())].join(', ') || 'none'})`);
}

async function startJob(brief: string): Promise<string> {
  const res = await fetch(`${base}/pipeline/start`, {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ brief, top_k: 5 }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { job_id: string }).job_id;
}

async function finish(jobId: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const { status } = (await (await fetch(`${base}/pipeline/jobs/${jobId}`, { headers: { 'X-API-Key': apiKey } })).json()) as { status: string };
    if (['completed', 'failed', 'cancelled'].includes(status)) return status;
    await sleep(200);
  }
  throw new Error(`job ${jobId} did not finish`);
}

before(async () => {
  await llm.start(0);
  await embeddings.start(0);
  const [port, workerPort, promPort] = [await freePort(), await freePort(), await freePort()];
  env = await createTestEnv({
    PORT: String(port),
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'warn',
    METRICS_ALLOW: '127.0.0.1',
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: String(workerPort),
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: llm.baseUrl,
    LLM_API_KEY: 'sk-ops',
    LLM_MODEL: 'gpt-fake',
    EMBEDDINGS_PROVIDER: 'openai',
    EMBEDDINGS_BASE_URL: embeddings.baseUrl,
    EMBEDDINGS_API_KEY: 'sk-ops',
    EMBEDDINGS_MODEL: 'embed-fake',
    EMBEDDINGS_DIM: '64',
    // A failing provider fails the job at once (no retries), so the failure ratio moves quickly.
    JOB_ATTEMPTS: '1',
    PROVIDER_MAX_RETRIES: '0',
    PROVIDER_RETRY_BASE_MS: '10',
    PROVIDER_BREAKER_THRESHOLD: '1000',
    START_RATE_LIMIT_PER_MIN: '1000',
    START_RATE_LIMIT_BURST: '100',
  });
  base = `http://127.0.0.1:${port}`;
  const imported = await runCli(['import', kimProfilesCsv(), '--limit', '200'], env.env);
  assert.equal(imported.code, 0, imported.stderr);
  const key = await runCli(['keys', 'create', '--name', 'ops', '--json'], env.env);
  apiKey = (JSON.parse(key.stdout) as { key: string }).key;
  worker = startProcess('src/bin/worker.ts', env.env);
  api = startProcess('src/bin/api.ts', env.env);
  await waitForHttp(`${base}/health`, { proc: api, timeoutMs: 120_000 });
  await waitForHttp(`http://127.0.0.1:${workerPort}/metrics`, { proc: worker, timeoutMs: 120_000 });

  // Prometheus: the committed rules with short `for:`, scraping both processes every second.
  tmp = await mkdtemp(path.join(os.tmpdir(), 'scout-prom-'));
  const rules = parse(await readFile(path.join(repoRoot, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { for?: string }[] }[] };
  for (const g of rules.groups) for (const r of g.rules) if (r.for) r.for = SHORT_FOR;
  await writeFile(path.join(tmp, 'alerts.yml'), stringify(rules));
  await writeFile(
    path.join(tmp, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ['alerts.yml'],
      scrape_configs: [
        { job_name: 'scout-api', static_configs: [{ targets: [`127.0.0.1:${port}`] }] },
        { job_name: 'scout-worker', static_configs: [{ targets: [`127.0.0.1:${workerPort}`] }] },
      ],
    }),
  );
  promUrl = `http://127.0.0.1:${promPort}`;
  prometheus = spawn('prometheus', [`--config.file=${path.join(tmp, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(tmp, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  prometheus.stdout!.on('data', (d: Buffer) => (promOut += d.toString()));
  prometheus.stderr!.on('data', (d: Buffer) => (promOut = (promOut + d.toString()).slice(-20_000)));
  await waitForHttp(`${promUrl}/-/ready`, { timeoutMs: 60_000 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${promOut}`);
  });
  // Ready is not scraping yet (see the top): the zero-initialised counters must be stored first.
  await scrapedAfter(0);
});

after(async () => {
  prometheus?.kill('SIGTERM');
  await Promise.all([api?.stop(), worker?.stop()]);
  await Promise.all([llm.stop(), embeddings.stop()]);
  await env?.cleanup();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('promtool accepts the alert rules', async () => {
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const p = spawn('promtool', ['check', 'rules', path.join(repoRoot, 'deploy/prometheus/alerts.yml')]);
    let text = '';
    p.stdout.on('data', (d: Buffer) => (text += d.toString()));
    p.stderr.on('data', (d: Buffer) => (text += d.toString()));
    p.on('exit', (code) => resolve({ code, text }));
  });
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /SUCCESS: \d+ rules found/);
});

test('every dashboard query returns data once jobs ran, some failing', async () => {
  // Healthy jobs, then jobs whose query embedding fails (embeddings answer 500): completed and failed
  // jobs, stage durations, priced calls and provider errors.
  // A scrape after each phase: series born in one phase (a route's histogram, a stage's, a priced
  // operation's cost, the embeddings error series at 0) are stored before the next one moves them.
  for (const brief of ['fitness coach promoting protein snacks', 'travel photographer for a hotel chain']) {
    assert.equal(await finish(await startJob(brief)), 'completed');
    await nextScrape();
  }
  embeddings.options.errorRate = 1;
  const failed = await Promise.all(Array.from({ length: 4 }, (_, i) => startJob(`vegan recipes blogger ${i}`)));
  for (const id of failed) assert.equal(await finish(id), 'failed');
  embeddings.options.errorRate = 0;
  await nextScrape();

  const dashboard = JSON.parse(await readFile(path.join(repoRoot, 'deploy/grafana/influencer-scout.json'), 'utf8')) as {
    panels: { title: string; type: string; targets?: { expr: string }[] }[];
  };
  const empty: string[] = [];
  let queries = 0;
  for (const panel of dashboard.panels) {
    for (const t of panel.targets ?? []) {
      queries++;
      const result = await query(t.expr);
      const withNumbers = result.filter((r) => Number.isFinite(Number(r.value[1])));
      if (withNumbers.length === 0) empty.push(`${panel.title}: ${t.expr}`);
    }
  }
  assert.ok(queries >= 20, `the dashboard has its queries (${queries})`);
  assert.deepEqual(empty, [], 'panels without data');
});

test('the failure-ratio and provider-error alerts fire after failing jobs', async () => {
  await waitFiring('ScoutJobFailureRatioHigh');
  await waitFiring('ScoutProviderErrorRate');
  const errors = await query('sum by (service) (rate(scout_external_call_duration_seconds_count{status="error"}[10m]))');
  assert.ok(errors.some((r) => r.metric.service === 'embeddings'), 'the errors are the embeddings calls');
});

test('the 429-guard alert fires when the shared window is full', async () => {
  const redis = new Redis(REDIS_URL);
  try {
    // The guard's own state (rate-guard.ts): a 429 per member, scored by Redis time.
    const [sec] = await redis.time();
    const key = `${env.env.REDIS_PREFIX}:brightdata:429`;
    for (let i = 0; i < 10; i++) await redis.zadd(key, Number(sec) * 1000, `ops-${i}`);
    await waitFiring('ScoutBrightData429GuardClosed');
    await redis.del(key);
  } finally {
    redis.disconnect();
  }
});

test('stopping the worker fires the heartbeat alert; a flooded queue fires the backlog alert', async () => {
  assert.equal(Number((await query('max(scout_workers_alive)'))[0]?.value[1]), 1);
  await worker.stop();
  await waitFiring('ScoutNoWorkerHeartbeat');
  await waitFiring('ScoutMetricsTargetDown');
  await Promise.all(Array.from({ length: 25 }, (_, i) => startJob(`queue flood ${i}`)));
  await waitFiring('ScoutQueueBacklog');
  const all = await firing();
  const rules = parse(await readFile(path.join(repoRoot, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: { alert: string }[] }[] };
  const names = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
  console.log(`[ops] alerts firing at the end: ${[...all].sort().join(', ')}`);
  // The 429 alert resolved when the window emptied; every other rule is firing now.
  assert.deepEqual(names.filter((n) => n !== 'ScoutBrightData429GuardClosed' && !all.has(n)), []);
});
