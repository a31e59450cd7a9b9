import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/api/app.js';
import type { AppContext } from '../../src/app/context.js';
import { JobEventsService } from '../../src/stores/job-events.store.js';
import { raw } from '../helpers/admin-http.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';

/**
 * Two API processes over one database and Redis prefix: the second has its own events service
 * (its own Redis subscriber), as another process would. Keys it verified are served from memory,
 * and a revoke made through the first reaches it within a second.
 */
describe('verified API keys cached in memory, revoked across processes', () => {
  let api: TestApi;
  let other: { base: string; server: http.Server; ctx: AppContext; lookups: () => number };
  before(async () => {
    api = await startTestApi({ RATE_LIMIT_BURST: '1000', RATE_LIMIT_PER_MIN: '60000' });
    let lookups = 0;
    const apiKeys = Object.create(api.ctx.repos.apiKeys) as typeof api.ctx.repos.apiKeys;
    apiKeys.findByHash = (hash) => {
      lookups++;
      return api.ctx.repos.apiKeys.findByHash(hash);
    };
    const jobEvents = new JobEventsService(api.ctx.repos.events, api.ctx.redis, api.ctx.config.redis.prefix);
    const ctx: AppContext = { ...api.ctx, jobEvents, repos: { ...api.ctx.repos, apiKeys } };
    const server = http.createServer(createApp(ctx));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    other = { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, ctx, lookups: () => lookups };
  });
  after(async () => {
    other.server.closeAllConnections();
    await new Promise<void>((resolve) => other.server.close(() => resolve()));
    await other.ctx.jobEvents.close();
    await api.cleanup();
  });

  const status = async (base: string, path: string, key: string) => (await fetch(`${base}${path}`, { headers: { 'X-API-Key': key } })).status;

  it('serves a verified key without a Postgres lookup, and refuses it within 1 s of a revoke on another process', async () => {
    const { key, row } = await api.newKey();
    const job = await api.insertJob(row.id);
    const path = `/pipeline/jobs/${job.id}`;
    // the first requests verify the key (and start the revocation subscription)
    for (let i = 0; i < 50 && other.ctx.jobEvents.revocationsLiveEpoch() === null; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await status(other.base, path, key), 200);
    const before = other.lookups();
    for (let i = 0; i < 20; i++) assert.equal(await status(other.base, path, key), 200);
    assert.equal(other.lookups() - before, 0, 'repeat requests are answered from the cache');

    const t0 = performance.now();
    const revoked = await raw(api.base, `/admin/api/keys/${row.id}/revoke`, {
      method: 'POST',
      headers: { 'X-Admin-Key': api.config.adminKey!, 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(revoked.status, 200);
    let last = 200;
    while (performance.now() - t0 < 1_000 && last === 200) last = await status(other.base, path, key);
    assert.equal(last, 401, 'the other process refuses the revoked key within a second');
    // and the process that revoked it refuses it on its very next request
    assert.equal(await status(api.base, path, key), 401);
  });

  it('serves nothing from memory while the revocation channel is down', async () => {
    const { key, row } = await api.newKey();
    const job = await api.insertJob(row.id);
    const path = `/pipeline/jobs/${job.id}`;
    assert.equal(await status(other.base, path, key), 200);
    await other.ctx.jobEvents.close();
    assert.equal(other.ctx.jobEvents.revocationsLiveEpoch(), null);
    // revoked in the database only (no announcement): without the channel the next request sees it
    await api.ctx.repos.apiKeys.revoke(row.id);
    assert.equal(await status(other.base, path, key), 401);
  });
});

