import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { repoRoot } from '../helpers/processes.js';
import { kimProfilesCsv } from '../helpers/shared-data.js';

/**
 * The deployment as an operator starts it: the real deploy/Dockerfile built by podman, the real
 * deploy/docker-compose.yml and Caddyfile started by podman-compose on the local stand-in images
 * (deploy/test/build-standins.sh), the LanceDB backend (Weaviate has no Debian package, so the
 * weaviate service is simply not started). Run by `npm run test:deploy` (deploy/test/run.sh), never
 * by `npm test`. Caddy is published on 127.0.0.1:DEPLOY_HTTP_PORT only.
 */
const PROJECT = process.env.DEPLOY_PROJECT ?? 'scoutdeploy';
const HTTP_PORT = Number(process.env.DEPLOY_HTTP_PORT ?? 3126);
const HTTPS_PORT = Number(process.env.DEPLOY_HTTPS_PORT ?? 3136);
const IMAGE = 'localhost/influencer-scout-api:latest';
const SERVICES = ['postgres', 'redis', 'api', 'worker', 'caddy'];
const IMPORT_ROWS = 1500;
const runDir = path.join(repoRoot, 'deploy/test/.run');
const base = `http://127.0.0.1:${HTTP_PORT}`;
const adminKey = 'deploy-run-admin-key-0123456789abcdef';
const secrets = { POSTGRES_PASSWORD: 'deploypg0123456789', REDIS_PASSWORD: 'deployredis0123456789', WEAVIATE_API_KEY: 'unused-in-this-run' };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; `input` is piped to its stdin. */
function run(cmd: string, args: string[], opts: { input?: NodeJS.ReadableStream; env?: Record<string, string>; check?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...opts.env }, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (opts.input) opts.input.pipe(child.stdin!);
    child.on('error', reject);
    child.on('exit', (code) => {
      const r = { code: code ?? 1, stdout, stderr };
      if (opts.check !== false && r.code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${stderr.slice(-4000)}\n${stdout.slice(-2000)}`));
      else resolve(r);
    });
  });
}

const composeEnv = {
  ...secrets,
  SCOUT_ENV_FILE: path.relative(path.join(repoRoot, 'deploy'), path.join(runDir, 'app.env')),
  SCOUT_HTTP_PUBLISH: `127.0.0.1:${HTTP_PORT}`,
  SCOUT_HTTPS_PUBLISH: `127.0.0.1:${HTTPS_PORT}`,
  // Port 80 in the site address makes Caddy serve plain HTTP (no certificate on a loopback trial).
  SCOUT_SITE_ADDRESS: '127.0.0.1:80',
};
const compose = (args: string[], check = true) =>
  run('podman-compose', ['-p', PROJECT, '-f', 'deploy/docker-compose.yml', ...args], { env: composeEnv, check });
const container = (service: string) => `${PROJECT}_${service}_1`;
const podman = (args: string[], opts: Parameters<typeof run>[2] = {}) => run('podman', args, opts);
const exec = (service: string, cmd: string[], opts: Parameters<typeof run>[2] = {}) =>
  podman(['exec', ...(opts.input ? ['-i'] : []), container(service), ...cmd], opts);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** podman without systemd runs no health timers: run each container's healthcheck until it passes. */
async function waitHealthy(service: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await podman(['healthcheck', 'run', container(service)], { check: false });
    if (r.code === 0) return;
    last = `${r.stdout}${r.stderr}`.trim();
    await sleep(2000);
  }
  const logs = await podman(['logs', '--tail', '40', container(service)], { check: false });
  throw new Error(`${service} not healthy in time (${last})\n${logs.stdout}${logs.stderr}`);
}

async function api(pathname: string, init: RequestInit & { key?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.key) headers.set('X-API-Key', init.key);
  return fetch(`${base}${pathname}`, { ...init, headers });
}

async function waitForStatus(jobId: string, key: string, wanted: (s: string) => boolean, timeoutMs: number, pollMs = 100): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let status = '';
  while (Date.now() < deadline) {
    const res = await api(`/pipeline/jobs/${jobId}`, { key }).catch(() => null);
    if (res?.ok) {
      status = ((await res.json()) as { status: string }).status;
      if (wanted(status)) return status;
    }
    await sleep(pollMs);
  }
  throw new Error(`job ${jobId} still ${status || 'unreadable'} after ${timeoutMs} ms`);
}

async function startJob(key: string, brief: string): Promise<string> {
  const res = await api('/pipeline/start', {
    method: 'POST',
    key,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ brief, top_k: 20 }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  return ((await res.json()) as { job_id: string }).job_id;
}

let apiKey = '';
const notes: string[] = [];

before(async () => {
  await mkdir(runDir, { recursive: true });
  await writeFile(
    path.join(runDir, 'app.env'),
    [
      `ADMIN_KEY=${adminKey}`,
      'SEARCH_BACKEND=lancedb',
      'LOG_LEVEL=info',
      // A restart hands active jobs back at once (no grace), so the restart below interrupts the job.
      'WORKER_SHUTDOWN_GRACE_MS=0',
      'SWEEP_INTERVAL_MS=2000',
      // The run polls job status every 20–100 ms; keep the per-key limiter out of the way.
      'RATE_LIMIT_PER_MIN=6000',
      'RATE_LIMIT_BURST=1000',
      '',
    ].join('\n'),
  );
  await compose(['down', '-v'], false);

  const t0 = performance.now();
  await podman(['build', '--pull=never', '--ignorefile', 'deploy/Dockerfile.dockerignore', '-f', 'deploy/Dockerfile', '-t', IMAGE, '.']);
  const size = (await podman(['image', 'inspect', IMAGE, '--format', '{{.Size}}'])).stdout.trim();
  notes.push(`image build ${((performance.now() - t0) / 1000).toFixed(0)} s, image ${(Number(size) / 1e6).toFixed(0)} MB`);

  // The weaviate service is not started: this run uses the LanceDB backend (SEARCH_BACKEND above).
  const t1 = performance.now();
  await compose(['up', '-d', '--no-deps', ...SERVICES]);
  for (const s of SERVICES.filter((s) => s !== 'caddy')) await waitHealthy(s);
  // Caddy has no healthcheck of its own: it is ready when it relays the API's /health.
  const deadline = Date.now() + 60_000;
  while (!(await fetch(`${base}/health`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`Caddy does not relay /health on ${base}`);
    await sleep(500);
  }
  notes.push(`compose up → all healthy ${((performance.now() - t1) / 1000).toFixed(0)} s`);
});

after(async () => {
  if (process.env.DEPLOY_KEEP !== '1') {
    const down = await compose(['down', '-v'], false);
    const left = await podman(['ps', '-a', '--filter', `label=io.podman.compose.project=${PROJECT}`, '--format', '{{.Names}}'], { check: false });
    notes.push(`down: exit ${down.code}, containers left: ${left.stdout.trim() || 'none'}`);
  }
  console.log(`\n[deploy] ${notes.join('\n[deploy] ')}`);
});

test('creators are imported and an API key created inside the containers (the CLI in the image)', async () => {
  // The CSV goes into the shared data volume through the worker (docs/operations.md, first start).
  await exec('worker', ['sh', '-c', 'cat > /app/data/creators.csv'], { input: createReadStream(kimProfilesCsv()) });
  const imported = await exec('worker', ['node', 'bin/scout.mjs', 'import', '/app/data/creators.csv', '--limit', String(IMPORT_ROWS)]);
  assert.match(imported.stdout, new RegExp(`imported ${IMPORT_ROWS.toLocaleString('en-US')} of`));
  const key = await exec('api', ['node', 'bin/scout.mjs', 'keys', 'create', '--name', 'deploy-run', '--json']);
  apiKey = (JSON.parse(key.stdout) as { key: string }).key;
  assert.match(apiKey, /\S{20,}/);
});

test('a job started through Caddy completes with a shortlist', async () => {
  const t0 = performance.now();
  const jobId = await startJob(apiKey, 'fitness coach promoting protein snacks');
  assert.equal(await waitForStatus(jobId, apiKey, (s) => ['completed', 'failed', 'cancelled'].includes(s), 120_000), 'completed');
  notes.push(`job through Caddy: completed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const results = await api(`/pipeline/jobs/${jobId}/results`, { key: apiKey });
  assert.equal(results.status, 200);
  const body = (await results.json()) as { results: unknown[] };
  assert.ok(body.results.length > 0, 'the shortlist is not empty');
});

test('Caddy serves no /metrics; the API and worker serve it on the compose network only', async () => {
  for (const p of ['/metrics', '/metrics?x=1']) {
    const res = await api(p, { headers: { 'X-Admin-Key': adminKey } });
    assert.equal(res.status, 404, `${p} through Caddy`);
  }
  // Inside the network Prometheus would scrape them: the worker's listener without auth,
  // the API's endpoint with the admin key.
  const worker = await exec('worker', ['node', '-e', "fetch('http://127.0.0.1:9464/metrics').then(async (r) => console.log(r.status, (await r.text()).includes('scout_jobs_finished_total')))"]);
  assert.equal(worker.stdout.trim(), '200 true');
  const apiMetrics = await exec('api', ['node', '-e', `fetch('http://127.0.0.1:8080/metrics', { headers: { 'X-Admin-Key': '${adminKey}' } }).then(async (r) => console.log(r.status, (await r.text()).includes('scout_http_request_duration_seconds')))`]);
  assert.equal(apiMetrics.stdout.trim(), '200 true');
});

test('the API and worker containers run read-only, as a non-root user, with no capabilities', async () => {
  for (const service of ['api', 'worker']) {
    const inspect = JSON.parse((await podman(['inspect', container(service)])).stdout) as {
      HostConfig: { ReadonlyRootfs: boolean; CapDrop?: string[]; CapAdd?: string[] };
      Config: { User: string };
    }[];
    assert.equal(inspect[0]!.HostConfig.ReadonlyRootfs, true, `${service} read-only root`);
    const id = await exec(service, ['id', '-u']);
    assert.notEqual(id.stdout.trim(), '0', `${service} runs as uid ${id.stdout.trim()}`);
    const write = await exec(service, ['sh', '-c', 'touch /app/dist/x'], { check: false });
    assert.notEqual(write.code, 0, `${service} cannot write its code`);
    assert.match(write.stderr, /Read-only file system/);
    const caps = await exec(service, ['sh', '-c', 'grep CapEff /proc/self/status']);
    assert.match(caps.stdout, /CapEff:\s+0+\s*$/, `${service} has no effective capabilities`);
  }
});

test('restarting the worker container mid-job loses nothing: the job is handed back and completes', async () => {
  const jobId = await startJob(apiKey, 'vegan food blogger sharing plant-based recipes');
  await waitForStatus(jobId, apiKey, (s) => s !== 'pending', 30_000, 20);
  const t0 = performance.now();
  await podman(['restart', '--time', '30', container('worker')]);
  notes.push(`worker restart ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(await waitForStatus(jobId, apiKey, (s) => ['completed', 'failed', 'cancelled'].includes(s), 180_000), 'completed');
  const res = await api(`/pipeline/jobs/${jobId}/results`, { key: apiKey });
  assert.equal(res.status, 200, await res.clone().text());
  const results = (await res.json()) as { results: { handle: string }[] };
  assert.ok(results.results.length > 0);
  const handles = results.results.map((r) => r.handle);
  assert.equal(new Set(handles).size, handles.length, 'no duplicate results after the resume');
  // The job's timeline (admin inspector, through Caddy): interrupted by the stop, resumed after it.
  const inspect = await api(`/admin/api/jobs/${jobId}`, { headers: { 'X-Admin-Key': adminKey } });
  assert.equal(inspect.status, 200, await inspect.clone().text());
  const { events } = (await inspect.json()) as { events: { type: string; data: { code?: string } }[] };
  const codes = events.filter((e) => e.type === 'warning').map((e) => e.data.code);
  assert.ok(codes.includes('handed_back') && codes.includes('resumed'), `handed back and resumed (warnings: ${codes.join(', ')})`);
  assert.equal(events.filter((e) => e.type === 'completed').length, 1, 'completed exactly once');
  const logs = await podman(['logs', container('worker')]);
  assert.match(logs.stdout + logs.stderr, /worker stopped/, 'the worker shut down gracefully');
  notes.push('restart mid-job: handed back, resumed, completed once');
});
