import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IndexProfileSource } from '../../../src/providers/profiles/index-profile.source.js';
import { createTestContext } from '../../helpers/test-env.js';
import type { TestContext } from '../../helpers/test-env.js';
import { createJob, makeCreator, seedIndex } from '../../pipeline/fixtures.js';

describe('IndexProfileSource', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(async () => {
    await t.cleanup();
  });

  it('serves the current index record as a profile marked data_source index', async () => {
    const old = makeCreator({ handle: 'runner', bio: 'marathon training', followers: 10_000, updatedAt: '2026-01-01T00:00:00.000Z' });
    const fresh = { ...old, followers: 12_345, country: 'US', language: 'en', updatedAt: '2026-02-02T00:00:00.000Z' };
    await seedIndex(t.ctx, [fresh]);
    const jobId = await createJob(t.ctx, { brief: 'marathon runners please' });

    const source = t.ctx.providers.profiles;
    assert.ok(source instanceof IndexProfileSource);
    const result = await source.fetch([old], { jobId });
    assert.deepEqual(result.errors, []);
    assert.equal(result.cacheHits, 0);
    const [p] = result.profiles;
    assert.equal(p!.key, 'instagram:runner');
    assert.equal(p!.followers, 12_345, 'the index record, not the stale search hit');
    assert.equal(p!.country, 'US');
    assert.equal(p!.dataSource, 'index');
    assert.equal(p!.stale, false);
    assert.equal(p!.fetchedAt, '2026-02-02T00:00:00.000Z');
    assert.equal(p!.profileUrl, 'https://www.instagram.com/runner/');
    assert.deepEqual(p!.recentPosts, []);

    const calls = await t.ctx.repos.calls.listForJob(jobId);
    const lookup = calls.find((c) => c.service === 'profiles');
    assert.equal(lookup?.operation, 'index_lookup');
    assert.deepEqual(lookup?.units, { records: 1, errors: 0 });
  });

  it('reports creators the index no longer holds as not_found instead of throwing', async () => {
    const gone = makeCreator({ handle: 'deleted_account' });
    const result = await t.ctx.providers.profiles.fetch([gone], { jobId: null });
    assert.deepEqual(result.profiles, []);
    assert.deepEqual(result.errors.map((e) => [e.key, e.code]), [['instagram:deleted_account', 'not_found']]);
  });
});
