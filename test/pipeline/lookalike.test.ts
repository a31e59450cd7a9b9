import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Creator } from '../../src/domain/creator.js';
import type { RankedResult } from '../../src/domain/job.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import type { CandidateSummary } from '../../src/pipeline/search.stage.js';
import { centroid, cosine, seedExpansion, withSeeds } from '../../src/services/lookalike.service.js';
import type { Seed } from '../../src/services/lookalike.service.js';
import { startWeaviateFake } from '../fakes/weaviate.fake.js';
import type { WeaviateFake } from '../fakes/weaviate.fake.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { createJob, makeCreator, nicheCorpus, seedIndex } from './fixtures.js';

/** The synthetic corpus with inferred niches as an import would leave them (its own niche likely). */
const corpus: Creator[] = nicheCorpus(8).map((c) => ({ ...c, niches: [{ niche: c.categories[0]!, p: 0.8 }] }));
const nicheOf = (key: string) => corpus.find((c) => c.key === key)?.categories[0];

describe('lookalike helpers', () => {
  const seed = (handle: string, topics: string[], niches: { niche: string; p: number }[], vector: number[]): Seed => ({
    creator: makeCreator({ handle, topics, niches }),
    vector,
  });

  it('the centroid weighs every seed the same whatever its vector length', () => {
    const c = centroid([
      [10, 0],
      [0, 1],
    ]);
    assert.ok(Math.abs(c[0]! - c[1]!) < 1e-12);
    assert.ok(Math.abs(cosine([1, 0], [2, 0]) - 1) < 1e-12);
    assert.equal(cosine([0, 0], [1, 0]), 0);
  });

  it('seeds alone read like a brief: their common niches and shared topics, no label used', () => {
    const seeds = [
      seed('a', ['dogs', 'puppy', 'beach'], [{ niche: 'pet', p: 0.9 }], [1, 0]),
      seed('b', ['dogs', 'puppy', 'cats'], [{ niche: 'pet', p: 0.7 }, { niche: 'travel', p: 0.3 }], [1, 0]),
      seed('c', ['cats', 'dogs'], [{ niche: 'pet', p: 0.8 }], [1, 0]),
    ];
    const { brief, expansion } = seedExpansion(seeds);
    assert.deepEqual(expansion.niches, ['pet']);
    assert.deepEqual(expansion.audience, [{ niche: 'pet', weight: 1 }]);
    assert.deepEqual(expansion.topics, ['dogs', 'cats', 'puppy'], 'topics of at least two seeds, most shared first');
    assert.match(brief, /instagram:a, instagram:b, instagram:c/);
    assert.equal(expansion.queries.length, 1);
    const merged = withSeeds({ queries: ['q'], niches: ['food'], topics: ['kibble'], filters: {}, audience: [{ niche: 'food', weight: 1 }] }, seeds);
    assert.deepEqual(merged.audience, [{ niche: 'food', weight: 1 }, { niche: 'pet', weight: 0.5 }], 'the brief leads, seed niches at half weight');
    assert.deepEqual(merged.topics, ['kibble', 'dogs', 'cats', 'puppy']);
  });
});

for (const backend of ['lancedb', 'weaviate'] as const) {
  describe(`lookalike jobs (${backend})`, () => {
    let t: TestContext;
    let fake: WeaviateFake | null = null;
    before(async () => {
      if (backend === 'weaviate') fake = await startWeaviateFake();
      const env = fake ? fake.env(`Lookalike_${process.pid}`) : {};
      t = await createTestContext(env);
      await t.ctx.providers.index.open();
      await seedIndex(t.ctx, corpus);
    });
    after(async () => {
      await t.cleanup();
      await fake?.close();
    });

    async function run(body: Record<string, unknown>) {
      const jobId = await createJob(t.ctx, { top_k: 10, min_fit_score: 0, ...body });
      const outcome = await runPipeline(t.ctx, jobId);
      assert.equal(outcome.status, 'completed', JSON.stringify(outcome));
      const final = (await t.ctx.repos.artifacts.get<RankedResult[]>(jobId, 'final'))!.data;
      const candidates = (await t.ctx.repos.artifacts.get<CandidateSummary[]>(jobId, 'candidates'))!.data;
      return { jobId, final, candidates };
    }

    it('seeds alone: lookalikes of their niche, seeds never returned, each rationale names the seed it resembles', async () => {
      const seeds = ['instagram:pet_0', 'instagram:pet_1', 'instagram:pet_2'];
      const { final, candidates } = await run({ similar_to: seeds });
      assert.equal(final.length, 10);
      const keys = final.map((r) => `${r.platform}:${r.handle}`);
      for (const s of seeds) {
        assert.ok(!keys.includes(s), `seed ${s} is not a result`);
        assert.ok(!candidates.some((c) => c.key === s), `seed ${s} is not a candidate`);
      }
      // the corpus labels measure only; ranking never saw them (the index holds them, the lookalike code reads niches and vectors)
      const share = keys.filter((k) => nicheOf(k) === 'pet').length / keys.length;
      assert.ok(share >= 0.5, `share of pet creators ${share}: ${keys.join(', ')}`);
      assert.equal(keys.filter((k) => nicheOf(k) === 'pet').length, 5, 'all five other pet creators are found');
      for (const r of final) {
        assert.match(r.rationale, /^Resembles instagram:pet_[012] \(similarity \d\.\d\d\)/, r.rationale);
      }
      const c = candidates[0]!;
      assert.ok(c.resembles && seeds.includes(c.resembles.seed) && c.resembles.similarity > 0, JSON.stringify(c));
    });

    it('seeds with a brief: the brief and the seeds both lead; filters still apply inside the index', async () => {
      const { final } = await run({
        brief: 'dog food brand looking for pet accounts',
        similar_to: ['instagram:pet_3'],
        filters: { countries: ['US'] },
      });
      assert.ok(final.length > 0);
      const corpusCountry = (k: string) => corpus.find((c) => c.key === k)?.country;
      for (const r of final) {
        assert.equal(corpusCountry(`${r.platform}:${r.handle}`), 'US');
        assert.notEqual(r.handle, 'pet_3');
        assert.match(r.rationale, /^Resembles instagram:pet_3 /);
      }
      assert.equal(nicheOf(`${final[0]!.platform}:${final[0]!.handle}`), 'pet');
    });

    it('a seed deleted from the index after the job was accepted is said in a warning; the others still work', async () => {
      const jobId = await createJob(t.ctx, { similar_to: ['instagram:food_0', 'instagram:gone_seed'], top_k: 5, min_fit_score: 0 });
      assert.equal((await runPipeline(t.ctx, jobId)).status, 'completed');
      const events = await t.ctx.jobEvents.list(jobId, 0, 100);
      const warning = events.find((e) => e.type === 'warning' && e.data.code === 'seeds_missing');
      assert.ok(warning, 'seeds_missing warning');
      assert.match(String(warning.data.message), /instagram:gone_seed/);
      const final = (await t.ctx.repos.artifacts.get<RankedResult[]>(jobId, 'final'))!.data;
      assert.ok(final.length > 0 && final.every((r) => r.handle !== 'food_0'));
    });
  });
}
