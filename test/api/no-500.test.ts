import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
// deterministic, so a failure reproduces
import { seededRandom } from '../../src/import/seeded-random.js';


const weird: unknown[] = [
  null, true, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, NaN, '', ' ', 'x'.repeat(5000), '💪🏽', '\u202e', '<script>',
  "'; drop table pipeline_jobs; --", '%00', '../..', [], [1, 2], {}, { $gt: '' }, { __proto__: { admin: true } }, ['instagram', 'instagram'],
  'instagram:', ':foo', 'instagram:' + 'a'.repeat(200), 'http://[::1', 'https://8.8.8.8/', 'javascript:alert(1)',
];

describe('no input ever causes a 500', () => {
  let api: TestApi;
  let key: string;
  before(async () => {
    api = await startTestApi({ RATE_LIMIT_BURST: '5000', START_RATE_LIMIT_BURST: '5000', DAILY_JOB_QUOTA: '100000' });
    key = (await api.newKey()).key;
  });
  after(() => api.cleanup());

  test('mutated start and search bodies, queries and paths', async () => {
    const random = seededRandom(20260501);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const startFields = ['brief', 'platforms', 'filters', 'top_k', 'candidate_limit', 'min_fit_score', 'exclude_handles', 'webhook_url', 'extra'];
    const filterFields = ['followers_min', 'followers_max', 'countries', 'languages', 'min_engagement_rate', 'x'];
    const seen = new Map<number, number>();
    const job = await api.insertJob((await api.ctx.repos.apiKeys.list())[0]!.id, { status: 'running' });

    for (let i = 0; i < 300; i++) {
      const body: Record<string, unknown> = { brief: 'fitness coach promoting protein snacks' };
      for (let n = 0; n < 1 + Math.floor(random() * 3); n++) {
        const field = pick(startFields);
        body[field] = field === 'filters' && random() < 0.6 ? { [pick(filterFields)]: pick(weird) } : pick(weird);
      }
      const search: Record<string, unknown> = { query: random() < 0.5 ? pick(weird) : 'food', [pick(['limit', 'platforms', 'filters', 'q'])]: pick(weird) };
      const q = `${pick(['after', 'limit', 'format', 'x'])}=${encodeURIComponent(String(pick(weird)))}`;
      const calls = [
        api.call('/pipeline/start', { key, body }),
        api.call('/weaviate/search', { key, body: search }),
        api.call(`/pipeline/jobs/${job.id}/events?${q}`, { key }),
        api.call(`/pipeline/jobs/${encodeURIComponent(String(pick(weird)))}/artifacts/${encodeURIComponent(String(pick(weird)))}`, { key }),
      ];
      for (const res of await Promise.all(calls)) {
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${res.status}: ${res.text.slice(0, 300)}`);
      }
    }
    assert.ok((seen.get(422) ?? 0) > 100 && (seen.get(202) ?? 0) > 0 && (seen.get(200) ?? 0) > 0, JSON.stringify([...seen]));
  });
});
