import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createContext } from '../../src/app/context.js';
import type { AppContext } from '../../src/app/context.js';
import type { CreatorKey } from '../../src/domain/creator.js';
import { loadDemoIndexIfEmpty } from '../../src/import/demo.js';
import { noJob } from '../../src/providers/ledger.js';
import { createApiKey } from '../../src/services/api-keys.service.js';
import { MAX_INGEST_ROWS } from '../../src/services/creator-ingest.service.js';
import { startWeaviateFake } from '../fakes/weaviate.fake.js';
import type { WeaviateFake } from '../fakes/weaviate.fake.js';
import { raw, startApp } from '../helpers/admin-http.js';
import type { RunningApp } from '../helpers/admin-http.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';

/** The creator ingestion API (admin key), on each index backend through the same interface. */

let fake: WeaviateFake;
before(async () => {
  fake = await startWeaviateFake();
});
after(() => fake.close());

const backends: { name: string; env: () => Record<string, string> }[] = [
  { name: 'lancedb', env: () => ({}) },
  {
    name: 'weaviate',
    env: () => fake.env(`Ingest_${process.pid}`),
  },
];

const creator = (handle: string, extra: Record<string, unknown> = {}) => ({
  platform: 'instagram',
  handle,
  bio: `vegan protein recipes and gym workouts by ${handle}`,
  categories: ['fitness'],
  topics: ['vegan', 'gym'],
  followers: 12_000,
  engagement_rate: 0.04,
  country: 'US',
  language: 'en',
  ...extra,
});

for (const backend of backends) {
  describe(`creator ingestion API on ${backend.name}`, () => {
    let t: TestContext;
    let app: RunningApp;
    /** a second context on the same index: what a worker process sees */
    let worker: AppContext;
    let apiKey: string;

    before(async () => {
      t = await createTestContext(backend.env());
      app = await startApp(t.ctx);
      worker = await createContext(t.config, { role: 'worker', migrate: false });
      apiKey = (await createApiKey(t.ctx.repos.apiKeys, { name: 'client' })).key;
    });
    after(async () => {
      await worker.close();
      await app.close();
      await t.cleanup();
    });

    const admin = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
      raw(app.base, `/admin/api${path}`, {
        method,
        headers: { 'X-Admin-Key': t.config.adminKey!, 'Content-Type': 'application/json', ...headers },
        body,
      });
    const searchKeys = async (ctx: AppContext, text: string) =>
      (await ctx.providers.index.hybridSearch({ text, filters: {}, limit: 50 }, noJob)).map((h) => h.creator.key);

    test('a JSON batch upserts the valid rows, reports bad ones by index and field, and replaces the demo', async () => {
      const demo = await loadDemoIndexIfEmpty(t.ctx);
      assert.ok(demo.loaded > 0);
      const rows = [
        creator('ingest_one', { last_post_at: '2026-11-20T10:00:00Z' }),
        creator('ingest_bad', { followers: 'lots' }),
        creator('ingest_two'),
        'not an object',
        { handle: 'no_platform' },
        creator('ingest_one', { display_name: 'Later Row Wins', last_post_at: '2026-11-20T10:00:00Z' }),
      ];
      const res = await admin('POST', '/creators?source=crm', JSON.stringify(rows));
      assert.equal(res.status, 200, res.body);
      const body = res.json<Record<string, unknown>>();
      assert.equal(body.received, 6);
      assert.equal(body.upserted, 2, 'the repeated creator is written once');
      assert.equal(body.rejected, 3);
      assert.deepEqual(
        (body.errors as { index: number; field: string | null }[]).map((e) => [e.index, e.field]),
        [[1, 'followers'], [3, null], [4, 'platform']],
      );
      assert.equal(body.demo_removed, demo.loaded);
      assert.equal(body.index_count, 2);
      assert.equal(body.source, 'crm');
      assert.ok((body.creators_per_sec as number) > 0);

      const got = await admin('GET', '/creators/instagram/Ingest_One');
      assert.equal(got.status, 200, got.body);
      const stored = got.json<{ creator: Record<string, unknown> }>().creator;
      assert.equal(stored.display_name, 'Later Row Wins');
      assert.equal(stored.source, 'crm');
      assert.equal(stored.followers, 12_000);
      assert.equal(stored.observed_at, '2026-11-20T10:00:00.000Z');
      assert.equal(stored.observed_at_basis, 'posts');
      const two = (await admin('GET', '/creators/instagram/ingest_two')).json<{ creator: Record<string, unknown> }>().creator;
      assert.equal(two.observed_at_basis, 'import');

      // visible to another process (a worker running jobs) without a restart
      assert.ok((await searchKeys(worker, 'vegan protein gym')).includes('instagram:ingest_two'));
      const status = (await admin('GET', '/index')).json<{ stats: { bySource: Record<string, number> } }>();
      assert.deepEqual(status.stats.bySource, { crm: 2 });
    });

    test('NDJSON with Accept: application/x-ndjson streams progress, then the result; bad lines are named by line', async () => {
      const lines = [JSON.stringify(creator('nd_one')), '', '{"platform": "instagram", "handle":', JSON.stringify(creator('nd_two'))];
      const res = await admin('POST', '/creators', lines.join('\n'), { 'Content-Type': 'application/x-ndjson', Accept: 'application/x-ndjson' });
      assert.equal(res.status, 200, res.body);
      assert.match(String(res.headers['content-type']), /application\/x-ndjson/);
      const out = res.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(out.length >= 2);
      assert.ok(out.slice(0, -1).every((o) => o.type === 'progress' && typeof o.done === 'number' && o.total === 3));
      const result = out.at(-1)!;
      assert.equal(result.type, 'result');
      assert.equal(result.upserted, 2);
      assert.deepEqual((result.errors as { index: number; message: string }[]).map((e) => e.index), [2]);
      assert.match((result.errors as { message: string }[])[0]!.message, /invalid JSON/);
      assert.equal(result.source, 'api');
    });

    test('a search is answered while a long batch is being written', async () => {
      const rows = Array.from({ length: 3_000 }, (_, i) => creator(`bulk_${i}`, { bio: `travel photography and beach trips number ${i}` }));
      const events: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        const req = http.request(`${app.base}/admin/api/creators`, {
          method: 'POST',
          headers: { 'X-Admin-Key': t.config.adminKey!, 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
        });
        req.on('response', (res) => {
          let searched = false;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            events.push(...chunk.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { type: string }).type));
            if (!searched && events.includes('progress')) {
              searched = true;
              void fetch(`${app.base}/weaviate/search`, {
                method: 'POST',
                headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
                body: JSON.stringify({ query: 'vegan gym', limit: 5 }),
              }).then(async (r) => {
                assert.equal(r.status, 200, await r.text());
                events.push('search');
              }, reject);
            }
          });
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end(JSON.stringify(rows));
      });
      await done;
      const searchAt = events.indexOf('search');
      assert.ok(searchAt > 0 && searchAt < events.indexOf('result'), `the search came back before the batch ended: ${events.join(',')}`);
      assert.equal((await t.ctx.providers.index.get(['instagram:bulk_2999' as CreatorKey], noJob)).length, 1);
    });

    test('a deleted creator is gone: 204, then 404, and never found by a search again', async () => {
      assert.equal((await admin('DELETE', '/creators/instagram/ingest_two')).status, 204);
      assert.equal((await admin('GET', '/creators/instagram/ingest_two')).status, 404);
      assert.equal((await admin('DELETE', '/creators/instagram/ingest_two')).status, 404);
      assert.ok(!(await searchKeys(worker, 'vegan protein gym ingest_two')).includes('instagram:ingest_two'));
      assert.ok(!(await searchKeys(t.ctx, 'vegan protein gym ingest_two')).includes('instagram:ingest_two'));
      const bad = await admin('GET', '/creators/myspace/someone');
      assert.equal(bad.status, 422);
      assert.equal(bad.json<{ errors: { field: string }[] }>().errors[0]!.field, 'params.platform');
    });

    test('too many rows or too many bytes is a 413; no valid row is a 422 naming the fields', async () => {
      const tooMany = Array.from({ length: MAX_INGEST_ROWS + 1 }, () => ({}));
      const many = await admin('POST', '/creators', JSON.stringify(tooMany));
      assert.equal(many.status, 413, many.body);
      assert.match(many.json<{ detail: string }>().detail, /at most 5,000 creators per request/);
      const big = await admin('POST', '/creators', JSON.stringify([creator('big', { bio: 'x'.repeat(11 * 1024 * 1024) })]));
      assert.equal(big.status, 413);
      assert.equal(big.json<{ code: string }>().code, 'payload_too_large');

      const none = await admin('POST', '/creators', JSON.stringify({ creators: [{ platform: 'myspace', handle: 'x' }, { platform: 'instagram' }] }));
      assert.equal(none.status, 422, none.body);
      assert.deepEqual(none.json<{ errors: { field: string }[] }>().errors.map((e) => e.field), ['creators[0].platform', 'creators[1].handle']);
      assert.equal((await admin('POST', '/creators', JSON.stringify({ rows: [] }))).status, 422);
      assert.equal((await admin('POST', '/creators?source=demo', JSON.stringify([creator('x')]))).status, 422);
      assert.equal((await admin('POST', '/creators', 'platform,handle\n', { 'Content-Type': 'text/csv' })).status, 415);
    });

    test('only the admin key writes: no key or a client API key is refused', async () => {
      const body = JSON.stringify([creator('intruder')]);
      const anonymous = await raw(app.base, '/admin/api/creators', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      assert.equal(anonymous.status, 401);
      const client = await raw(app.base, '/admin/api/creators', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey }, body });
      assert.equal(client.status, 401);
      assert.equal((await admin('GET', '/creators/instagram/intruder')).status, 404);
    });
  });
}
