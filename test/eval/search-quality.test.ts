import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { evaluateBriefs, kimNiches, nicheWordBriefs, readLabels } from '../../src/eval/search-quality.js';
import type { Labels } from '../../src/eval/search-quality.js';
import { importFile } from '../../src/import/importer.js';
import { createApiKey } from '../../src/services/api-keys.service.js';
import { kimProfilesCsv } from '../helpers/shared-data.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';

/**
 * Search quality on real data with the labels hidden from search: a slice of the Kim creators is
 * imported without its niche labels, each niche word runs through the whole pipeline, and the top 25
 * are checked against the labels. Floors are conservative (this slice measures 0.60–0.92, mean 0.78; the full 23k set mean 0.78);
 * they catch a broken expansion, search or scorer, not small drifts.
 */
const SLICE = 6000;
let t: TestContext;
let labels: Labels;
let apiKeyId: string;

before(async () => {
  t = await createTestContext();
  const summary = await importFile(t.ctx, kimProfilesCsv(), { limit: SLICE, withholdCategories: true });
  assert.equal(summary.imported, SLICE);
  labels = await readLabels(kimProfilesCsv());
  apiKeyId = (await createApiKey(t.ctx.repos.apiKeys, { name: 'eval' })).row.id;
});

after(async () => {
  await t?.cleanup();
});

test('labels are withheld from the index, so search cannot read them', async () => {
  const sample = await t.ctx.providers.index.hybridSearch({ text: 'fitness', filters: {}, limit: 50 }, { jobId: null });
  assert.ok(sample.length > 0);
  assert.ok(sample.every((h) => h.creator.categories.length === 0));
  assert.ok(sample.some((h) => (labels.get(h.creator.key) ?? []).length > 0), 'the labels file knows these creators');
});

test('each niche word finds mostly that niche (precision@25 on content alone)', async () => {
  const report = await evaluateBriefs(t.ctx, { apiKeyId, labels, briefs: nicheWordBriefs(), topK: 25 });
  const line = report.briefs.map((n) => `${n.niche} ${n.pk.toFixed(2)}`).join(', ');
  assert.equal(report.briefs.length, kimNiches.length);
  for (const n of report.briefs) {
    assert.equal(n.results, 25, `${n.niche}: a full shortlist`);
    assert.ok(n.pk >= 0.4, `${n.niche} precision@25 ${n.pk} below the floor (${line})`);
  }
  assert.ok(report.sets[0]!.pk >= 0.6, `mean precision@25 ${report.sets[0]!.pk.toFixed(2)} below the floor (${line})`);
});
