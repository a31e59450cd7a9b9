import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createContext } from '../../src/app/context.js';
import { createLogger } from '../../src/app/logger.js';
import type { Creator } from '../../src/domain/creator.js';
import { newJobId } from '../../src/domain/ids.js';
import { emptyMeta, startJobSchema, toJobParams } from '../../src/domain/job.js';
import { creatorDocument } from '../../src/providers/embeddings/embedder.js';
import { noJob } from '../../src/providers/ledger.js';
import { EventsRepository } from '../../src/repositories/events.repository.js';
import { createPool } from '../../src/db/pool.js';
import { createApiKey } from '../../src/services/api-keys.service.js';
import { JobEventsService } from '../../src/stores/job-events.store.js';
import { createTestEnv } from '../helpers/test-env.js';
import type { TestEnv } from '../helpers/test-env.js';
import { raw } from '../helpers/admin-http.js';
import type { RawResponse } from '../helpers/admin-http.js';
import { freePort, repoRoot, startProcess } from '../helpers/processes.js';
import type { RunningProcess } from '../helpers/processes.js';

/**
 * The real Caddy (Debian package; scripts/ensure-tool.sh installs it) runs deploy/Caddyfile —
 * the production file itself, with its two placeholders pointed at loopback — in front of a real
 * API process, and shows what it routes, what it does not (/metrics, Weaviate) and that SSE passes.
 */
const CADDYFILE = path.join(repoRoot, 'deploy', 'Caddyfile');

function caddyEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  // Caddy keeps certificates and autosaves under HOME / XDG dirs: keep them in a temp dir.
  return { PATH: process.env.PATH ?? '', HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home, ...extra };
}

/** Polls until `url` answers at all (any status). Generous: a cold tsx start on a busy CI box is slow. */
async function waitForAnswer(url: string, proc: { output(): string; exited?: boolean } | null, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc?.exited) throw new Error(`the process exited before ${url} answered\n${proc.output()}`);
    try {
      await fetch(url);
      return;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered (${last})\n${proc?.output() ?? ''}`);
}

test('caddy validate accepts deploy/Caddyfile as production runs it (api.penni-ai.com, api:8080)', async () => {
  const home = await mkdtemp(path.join(os.tmpdir(), 'scout-caddy-'));
  try {
    const res = spawnSync('caddy', ['validate', '--config', CADDYFILE, '--adapter', 'caddyfile'], { env: caddyEnv(home), encoding: 'utf8' });
    assert.equal(res.error, undefined, 'caddy is installed (scripts/ensure-tool.sh caddy caddy …)');
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout + res.stderr, /Valid configuration/);
    const adapted = spawnSync('caddy', ['adapt', '--config', CADDYFILE, '--adapter', 'caddyfile'], { env: caddyEnv(home), encoding: 'utf8' });
    assert.equal(adapted.status, 0, adapted.stderr);
    const json = adapted.stdout;
    assert.match(json, /"host":\["api\.penni-ai\.com"\]/);
    assert.match(json, /"dial":"api:8080"/);
    assert.doesNotMatch(json, /weaviate:8080|:50051|"\/metrics/, 'nothing routes to Weaviate or to /metrics');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

describe('Caddy on loopback in front of the API process', () => {
  let env: TestEnv;
  let api: RunningProcess;
  let caddy: ChildProcess;
  let caddyOut = '';
  let caddyHome: string;
  let apiBase: string;
  let edge: string;
  let apiKey: string;
  let jobId: string;

  before(async () => {
    env = await createTestEnv();
    // A key, a pending job and one creator in the API's own (LanceDB) index, written through a context.
    const ctx = await createContext(env.config, { role: 'test', logger: createLogger('silent'), migrate: false });
    try {
      const created = await createApiKey(ctx.repos.apiKeys, { name: 'edge-test' });
      apiKey = created.key;
      jobId = newJobId();
      await ctx.repos.jobs.insert({
        id: jobId,
        apiKeyId: created.row.id,
        params: toJobParams(startJobSchema.parse({ brief: 'coffee creators in Berlin for a cafe opening' })),
        meta: emptyMeta(),
      });
      const creator: Creator = {
        key: 'instagram:berlin_coffee_lab',
        platform: 'instagram',
        handle: 'berlin_coffee_lab',
        displayName: 'Berlin Coffee Lab',
        bio: 'Specialty coffee, latte art and cafe reviews from Berlin',
        categories: ['food'],
        topics: ['coffee', 'latteart', 'berlin'],
        followers: 48_000,
        following: 310,
        postsCount: 920,
        engagementRate: 0.041,
        country: 'DE',
        language: 'de',
        verified: false,
        profileUrl: 'https://www.instagram.com/berlin_coffee_lab/',
        source: 'test',
        updatedAt: new Date().toISOString(),
        observedAt: new Date().toISOString(),
        observedAtBasis: 'import',
      };
      const [vector] = await ctx.providers.embedder.embed([creatorDocument(creator)], noJob);
      await ctx.providers.index.upsert([{ creator, vector: vector! }], noJob);
    } finally {
      await ctx.close();
    }
    const apiPort = await freePort();
    apiBase = `http://127.0.0.1:${apiPort}`;
    // Short heartbeats: Caddy notices a closed SSE client on its next write, so it can stop promptly.
    api = startProcess('src/bin/api.ts', { ...env.env, HOST: '127.0.0.1', PORT: String(apiPort), SSE_HEARTBEAT_MS: '500' });
    let apiExited = false;
    void api.exited.then(() => (apiExited = true));
    await waitForAnswer(`${apiBase}/health`, {
      output: api.output,
      get exited() {
        return apiExited;
      },
    });

    const edgePort = await freePort();
    edge = `http://127.0.0.1:${edgePort}`;
    caddyHome = await mkdtemp(path.join(os.tmpdir(), 'scout-caddy-'));
    caddy = spawn('caddy', ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
      env: caddyEnv(caddyHome, { SCOUT_SITE_ADDRESS: edge, SCOUT_API_UPSTREAM: `127.0.0.1:${apiPort}` }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    caddy.stdout?.on('data', (d: Buffer) => (caddyOut += d.toString()));
    caddy.stderr?.on('data', (d: Buffer) => (caddyOut += d.toString()));
    await waitForAnswer(`${edge}/health`, {
      output: () => caddyOut,
      get exited() {
        return caddy.exitCode !== null;
      },
    });
  });

  after(async () => {
    if (caddy && caddy.exitCode === null) {
      const exited = new Promise((r) => caddy.once('exit', r));
      caddy.kill('SIGTERM');
      await exited;
    }
    await api?.stop();
    await env?.cleanup();
    if (caddyHome) await rm(caddyHome, { recursive: true, force: true });
  });

  const fromApi = (res: RawResponse) => typeof res.headers['x-request-id'] === 'string';

  test('the public paths reach the API', async () => {
    const health = await raw(edge, '/health');
    assert.ok(fromApi(health), 'health answered by the API');
    assert.ok([200, 503].includes(health.status));
    const openapi = await raw(edge, '/openapi.json');
    assert.equal(openapi.status, 200);
    assert.equal(openapi.json<{ openapi: string }>().openapi.slice(0, 3), '3.1');
    const docs = await raw(edge, '/docs');
    assert.equal(docs.status, 200);
    assert.ok(fromApi(docs));
    const admin = await raw(edge, '/admin');
    assert.equal(admin.status, 200);
    assert.match(admin.body, /action="\/admin\/login"/);
    assert.equal((await raw(edge, '/admin/static/admin.css')).status, 200);
    const adminApi = await raw(edge, '/admin/api/overview');
    assert.equal(adminApi.status, 401);
    assert.ok(fromApi(adminApi));
    const status = await raw(edge, `/pipeline/jobs/${jobId}`, { headers: { 'X-API-Key': apiKey } });
    assert.equal(status.status, 200, status.body);
    assert.equal(status.json<{ job_id?: string; id?: string }>().job_id ?? status.json<{ id?: string }>().id, jobId);
  });

  test('/metrics is not routed by Caddy, even with the admin key (the API itself serves it)', async () => {
    const key = { 'X-Admin-Key': env.config.adminKey! };
    const viaEdge = await raw(edge, '/metrics', { headers: key });
    assert.equal(viaEdge.status, 404);
    assert.ok(!fromApi(viaEdge), 'answered by Caddy, not the API');
    const direct = await raw(apiBase, '/metrics', { headers: key });
    assert.equal(direct.status, 200);
    assert.match(direct.body, /scout_http_request_duration_seconds/);
    for (const p of ['/', '/adminx', '/pipeline', '/weaviate', '/weaviate/v1/objects', '/weaviate/search/extra', '/v1/graphql']) {
      const res = await raw(edge, p);
      assert.equal(res.status, 404, p);
      assert.ok(!fromApi(res), `${p} answered by Caddy`);
    }
  });

  test('/weaviate/search is answered by the API from its own index (auth, validation, normalized results)', async () => {
    const noKey = await raw(edge, '/weaviate/search', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"coffee"}' });
    assert.equal(noKey.status, 401);
    assert.ok(fromApi(noKey));
    assert.match(String(noKey.headers['content-type']), /application\/problem\+json/);
    const weaviateShaped = await raw(edge, '/weaviate/search', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
      body: JSON.stringify({ class: 'Creator', nearText: { concepts: ['coffee'] } }),
    });
    assert.equal(weaviateShaped.status, 422, 'a raw Weaviate query is rejected by the API validation');
    assert.ok(fromApi(weaviateShaped));
    const search = await raw(edge, '/weaviate/search', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
      body: JSON.stringify({ query: 'specialty coffee berlin', limit: 5 }),
    });
    assert.equal(search.status, 200, search.body);
    assert.ok(fromApi(search));
    const results = search.json<{ results: Record<string, unknown>[] }>().results;
    assert.equal(results[0]?.handle, 'berlin_coffee_lab');
    assert.deepEqual(Object.keys(results[0]!).filter((k) => ['_additional', 'vector', 'properties', 'uuid'].includes(k)), [], 'normalized, not a backend object');
  });

  test('server-sent events pass through Caddy as they are written (no buffering)', async () => {
    const controller = new AbortController();
    const res = await fetch(`${edge}/pipeline/jobs/${jobId}/events`, {
      headers: { 'X-API-Key': apiKey, Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    const pool = createPool(env.config.database.url, 1);
    const redis = new Redis(env.config.redis.url);
    try {
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      // The job never finishes, so the stream stays open: the event can only arrive if Caddy flushes it.
      await new JobEventsService(new EventsRepository(pool), redis, env.config.redis.prefix).emit(jobId, 'progress', { progress: 0.5, via: 'caddy-test' });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (!text.includes('caddy-test')) {
        const { value, done } = await reader.read();
        assert.ok(!done, `the stream ended before the event arrived: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
      assert.match(text, /event: progress/);
    } finally {
      controller.abort();
      redis.disconnect();
      await pool.end();
    }
  });

  // Last: it locks the real client address (127.0.0.1) out of every admin-key check for the window.
  test('a client cannot pick its own address through Caddy: a forged X-Forwarded-For does not rotate the sign-in limiter', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < env.config.admin.loginMaxAttempts + 2; i++) {
      const res = await raw(edge, '/admin/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: edge, 'X-Forwarded-For': `198.51.100.${i + 1}`, Forwarded: `for=198.51.100.${i + 1}` },
        body: JSON.stringify({ key: 'wrong' }),
      });
      statuses.push(res.status);
    }
    assert.equal(statuses.at(-1), 429, `every attempt counted against the real client address: ${statuses.join(',')}`);
  });
});
