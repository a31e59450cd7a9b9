import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateApiKey } from '../../src/domain/api-key.js';
import { startTestApi } from '../helpers/api-server.js';
import type { CallOptions, TestApi } from '../helpers/api-server.js';
import { waitUntil } from '../helpers/wait.js';

type Who = 'none' | 'malformed' | 'revoked' | 'tenant' | 'valid' | 'admin';
const WHO: Who[] = ['none', 'malformed', 'revoked', 'tenant', 'valid', 'admin'];

interface Route {
  name: string;
  /** builds the request fresh for each caller (cancel needs a new pending job every time) */
  request(): Promise<[string, CallOptions]>;
  expect: Record<Who, number>;
}

describe('auth matrix: every route × every kind of caller', () => {
  let api: TestApi;
  const headers: Record<Who, Record<string, string>> = {} as Record<Who, Record<string, string>>;
  let ownerId: string;
  let completedJob: string;
  before(async () => {
    api = await startTestApi({ RATE_LIMIT_BURST: '1000', START_RATE_LIMIT_BURST: '1000', AUTH_FAIL_BURST: '1000' });
    const owner = await api.newKey({ name: 'owner' });
    const tenant = await api.newKey({ name: 'tenant' });
    const revoked = await api.newKey({ name: 'revoked' });
    await api.ctx.repos.apiKeys.revoke(revoked.row.id);
    ownerId = owner.row.id;
    const unknown = generateApiKey().key;
    headers.none = {};
    headers.malformed = { 'X-API-Key': `${unknown.slice(0, -1)}${unknown.endsWith('a') ? 'b' : 'a'}` };
    headers.revoked = { 'X-API-Key': revoked.key };
    headers.tenant = { 'X-API-Key': tenant.key };
    headers.valid = { 'X-API-Key': owner.key };
    headers.admin = { 'X-Admin-Key': api.config.adminKey! };

    const done = await api.insertJob(ownerId, { status: 'running' });
    await api.ctx.repos.artifacts.put(done.id, 'final', []);
    await api.ctx.repos.artifacts.put(done.id, 'candidates', { items: [] });
    await api.emit(done.id, 'completed', {});
    await api.ctx.repos.jobs.finish(done.id, 'completed');
    completedJob = done.id;
  });
  after(() => api.cleanup());

  const keyed = (owned: number, tenant = 404): Record<Who, number> => ({
    none: 401,
    malformed: 401,
    revoked: 401,
    tenant,
    valid: owned,
    admin: 401,
  });
  const open = (status: number): Record<Who, number> => Object.fromEntries(WHO.map((w) => [w, status])) as Record<Who, number>;

  const routes: Route[] = [
    { name: 'GET /health', request: async () => ['/health', {}], expect: open(200) },
    { name: 'GET /openapi.json', request: async () => ['/openapi.json', {}], expect: open(200) },
    { name: 'GET /docs', request: async () => ['/docs', {}], expect: open(200) },
    {
      name: 'POST /pipeline/start',
      request: async () => ['/pipeline/start', { body: { brief: 'pet creators for a premium dog food brand' } }],
      // Another tenant's key is a valid key: it starts a job of its own.
      expect: keyed(202, 202),
    },
    { name: 'GET /pipeline/jobs/:id', request: async () => [`/pipeline/jobs/${completedJob}`, {}], expect: keyed(200) },
    { name: 'GET /pipeline/jobs/:id/results', request: async () => [`/pipeline/jobs/${completedJob}/results`, {}], expect: keyed(200) },
    {
      name: 'GET /pipeline/jobs/:id/artifacts/:kind',
      request: async () => [`/pipeline/jobs/${completedJob}/artifacts/candidates`, {}],
      expect: keyed(200),
    },
    {
      name: 'GET /pipeline/jobs/:id/events (JSON)',
      request: async () => [`/pipeline/jobs/${completedJob}/events?format=json`, {}],
      expect: keyed(200),
    },
    {
      name: 'GET /pipeline/jobs/:id/events (SSE)',
      request: async () => [`/pipeline/jobs/${completedJob}/events`, { headers: { Accept: 'text/event-stream' } }],
      expect: keyed(200),
    },
    {
      name: 'POST /pipeline/jobs/:id/cancel',
      request: async () => [`/pipeline/jobs/${(await api.insertJob(ownerId)).id}/cancel`, { method: 'POST' }],
      expect: keyed(200),
    },
    {
      name: 'POST /weaviate/search',
      request: async () => ['/weaviate/search', { body: { query: 'fitness coach', limit: 5 } }],
      expect: keyed(200, 200),
    },
    {
      name: 'GET /admin/api/keys',
      request: async () => ['/admin/api/keys', {}],
      expect: { none: 401, malformed: 401, revoked: 401, tenant: 401, valid: 401, admin: 200 },
    },
  ];

  for (const route of routes) {
    test(route.name, async () => {
      const got: Partial<Record<Who, number>> = {};
      for (const who of WHO) {
        const [path, opts] = await route.request();
        const res = await api.call(path, { ...opts, headers: { ...opts.headers, ...headers[who] } });
        got[who] = res.status;
        if (res.status === 401) {
          assert.equal((res.body as { code: string }).code, 'unauthorized', `${route.name} as ${who}`);
        }
      }
      assert.deepEqual(got, route.expect);
    });
  }

  test('nothing changed for the owner when others called: the tenant cannot cancel or read owner jobs', async () => {
    const job = await api.insertJob(ownerId);
    const res = await api.call(`/pipeline/jobs/${job.id}/cancel`, { method: 'POST', headers: headers.tenant });
    assert.equal(res.status, 404);
    assert.equal((await api.ctx.repos.jobs.get(job.id))?.status, 'pending');
  });

  test('a valid call stamps last_used_at on its key only', async () => {
    const fresh = await api.newKey({ name: 'fresh' });
    const idle = await api.newKey({ name: 'idle' });
    assert.equal(fresh.row.lastUsedAt, null);
    assert.equal((await api.call('/pipeline/jobs/job_x', { key: fresh.key })).status, 404);
    await waitUntil(async () => Boolean((await api.ctx.repos.apiKeys.get(fresh.row.id))?.lastUsedAt), 1_000);
    assert.equal((await api.ctx.repos.apiKeys.get(idle.row.id))?.lastUsedAt, null);
  });

  test('401 messages say what is wrong without echoing the key', async () => {
    const cases: [Who, RegExp][] = [
      ['none', /requires an API key/],
      ['malformed', /not hold a valid API key/],
      ['revoked', /revoked/],
      ['admin', /admin key only opens \/admin/],
    ];
    for (const [who, re] of cases) {
      const res = await api.call<{ detail: string }>('/pipeline/jobs/job_x', { headers: headers[who] });
      assert.match(res.body.detail, re, who);
      for (const v of Object.values(headers[who])) assert.ok(!res.text.includes(v), `${who}: key echoed`);
    }
  });
});
