import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { demoNiches } from '../../src/import/demo-vocabulary.js';
import { generateDemoCreators, loadDemoIndexIfEmpty } from '../../src/import/demo.js';
import { parseCreatorKey } from '../../src/domain/creator.js';
import { noJob } from '../../src/providers/ledger.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';

describe('demo index', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(() => t.cleanup());

  it('is generated deterministically: valid, unique, spread over niches, platforms and countries', () => {
    const a = generateDemoCreators();
    assert.deepEqual(generateDemoCreators(), a);
    assert.equal(new Set(a.map((c) => c.key)).size, a.length);
    for (const c of a) {
      assert.deepEqual(parseCreatorKey(c.key), { platform: c.platform, handle: c.handle }, c.key);
      assert.ok(c.followers! >= 2000 && c.followers! <= 2_500_000);
      assert.ok(c.engagementRate! > 0 && c.engagementRate! < 0.2);
      assert.ok(c.bio.length > 20 && c.topics.length >= 4);
    }
    for (const niche of demoNiches) assert.ok(a.filter((c) => c.categories[0] === niche).length >= 30, niche);
    assert.equal(new Set(a.map((c) => c.platform)).size, 3);
    assert.ok(new Set(a.map((c) => c.country)).size >= 10);
    assert.ok(a.some((c) => c.country === null), 'some creators have no known country');
  });

  it('loads into an empty index once, and its niches are searchable', async () => {
    const first = await loadDemoIndexIfEmpty(t.ctx);
    assert.equal(first.loaded, generateDemoCreators().length);
    assert.equal(await t.ctx.providers.index.count(), first.loaded);
    assert.deepEqual(await loadDemoIndexIfEmpty(t.ctx), { loaded: 0, skipped: 'not_empty' });
    assert.equal(await t.ctx.providers.index.count(), first.loaded);

    for (const niche of ['pet', 'gaming', 'interior'] as const) {
      const hits = await t.ctx.providers.index.hybridSearch({ text: `${niche} creators`, filters: {}, limit: 10 }, noJob);
      const inNiche = hits.filter((h) => h.creator.categories.includes(niche)).length;
      assert.ok(inNiche >= 8, `${niche}: ${inNiche}/10`);
    }
    const de = await t.ctx.providers.index.hybridSearch({ text: 'fitness', filters: { countries: ['DE'], languages: ['de'] }, limit: 20 }, noJob);
    assert.ok(de.length > 0 && de.every((h) => h.creator.country === 'DE' && h.creator.language === 'de'));
  });
});
