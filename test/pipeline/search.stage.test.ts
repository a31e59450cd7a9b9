import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CreatorKey, SearchHit } from '../../src/domain/creator.js';
import { runExpandStage } from '../../src/pipeline/expand.stage.js';
import { JobRuntime } from '../../src/pipeline/job-runtime.js';
import { boostBriefNiches, fuseHits, runSearchStage } from '../../src/pipeline/search.stage.js';
import type { CandidateSummary } from '../../src/pipeline/search.stage.js';
import type { StageRun } from '../../src/pipeline/stage-run.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { createJob, makeCreator, nicheCorpus, seedIndex } from './fixtures.js';

const hit = (handle: string, score = 1): SearchHit => ({ creator: makeCreator({ handle }), score });

describe('fuseHits', () => {
  it('de-duplicates by key and ranks creators found by several queries first', () => {
    const fused = fuseHits([[hit('a'), hit('b'), hit('c')], [hit('c'), hit('d')]], [], 10);
    assert.deepEqual(fused.map((c) => c.creator.handle), ['c', 'a', 'b', 'd']);
    assert.deepEqual(fused[0]!.queries, [0, 1]);
    assert.deepEqual(fused[1]!.queries, [0]);
  });

  it('removes excluded keys and caps the list', () => {
    const fused = fuseHits([[hit('a'), hit('b'), hit('c'), hit('d')]], ['instagram:b' as CreatorKey], 2);
    assert.deepEqual(fused.map((c) => c.creator.handle), ['a', 'c']);
  });

  it('counts a creator once per query even if a query lists it twice', () => {
    const fused = fuseHits([[hit('a'), hit('a')], [hit('b')]], [], 10);
    assert.equal(fused.length, 2);
    assert.equal(fused[0]!.score, fused[1]!.score);
  });
});

describe('boostBriefNiches', () => {
  const withNiches = (handle: string, niches?: { niche: string; p: number }[]) => ({
    creator: makeCreator({ handle, ...(niches ? { niches } : {}) }),
    score: 1,
  });
  const pool = () =>
    fuseHits(
      [[withNiches('words_only'), withNiches('half_food', [{ niche: 'food', p: 0.5 }]), withNiches('travel', [{ niche: 'travel', p: 0.9 }]), withNiches('all_food', [{ niche: 'food', p: 1 }])]],
      [],
      10,
    );

  it('lifts creators by their inferred probability for the brief\'s niches, dropping nobody', () => {
    const boosted = boostBriefNiches(pool(), ['food', 'cooking']);
    assert.deepEqual(boosted.map((c) => c.creator.handle), ['all_food', 'half_food', 'words_only', 'travel']);
    assert.equal(boosted.length, 4);
    const before = pool();
    const ratio = boosted.find((c) => c.creator.handle === 'all_food')!.score / before.find((c) => c.creator.handle === 'all_food')!.score;
    assert.ok(Math.abs(ratio - 3) < 1e-9, `p = 1 triples the fused score (${ratio})`);
  });

  it('leaves the order alone when the brief names no inferred niche', () => {
    assert.deepEqual(boostBriefNiches(pool(), ['cooking', 'tech']).map((c) => c.creator.handle), pool().map((c) => c.creator.handle));
  });
});

describe('runSearchStage (LanceDB)', () => {
  let t: TestContext;
  const corpus = nicheCorpus(12);
  before(async () => {
    t = await createTestContext();
    const tiktok = nicheCorpus(3, { prefix: 'tt_' }).map((c) => makeCreator({ ...c, platform: 'tiktok' }));
    await seedIndex(t.ctx, [...corpus, ...tiktok]);
  });
  after(async () => {
    await t.cleanup();
  });

  async function search(body: Record<string, unknown>) {
    const jobId = await createJob(t.ctx, body);
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    const run: StageRun = { deps: t.ctx, params: job.params, runtime: new JobRuntime(t.ctx, jobId, new AbortController().signal, t.ctx.logger) };
    const expand = await runExpandStage(run);
    return { jobId, run, expand, candidates: await runSearchStage(run, expand) };
  }

  it('finds the brief\'s niche first, merged across queries, capped at candidate_limit', async () => {
    const { candidates, expand } = await search({ brief: 'dog and cat content for pet lovers', candidate_limit: 20, top_k: 10 });
    assert.ok(expand.expansion.queries.length >= 2);
    assert.equal(candidates.length, 20);
    assert.equal(new Set(candidates.map((c) => c.creator.key)).size, 20, 'no duplicates');
    const top = candidates.slice(0, 10).map((c) => c.creator.categories[0]);
    assert.ok(top.filter((c) => c === 'pet').length >= 8, `top 10 categories: ${top.join(',')}`);
  });

  it('applies hard filters inside the index: inferred, explicit and platforms', async () => {
    const { candidates } = await search({
      brief: 'travel creators based in Germany with over 10k followers',
      filters: { languages: ['en'] },
      candidate_limit: 100,
    });
    assert.ok(candidates.length > 0);
    for (const c of candidates) {
      assert.equal(c.creator.country, 'DE');
      assert.ok(c.creator.followers! >= 10_000);
      assert.equal(c.creator.language, 'en');
    }
    const tiktok = await search({ brief: 'travel creators everywhere', platforms: ['tiktok'], candidate_limit: 100 });
    assert.ok(tiktok.candidates.length > 0);
    assert.ok(tiktok.candidates.every((c) => c.creator.platform === 'tiktok'));
  });

  it('removes excluded handles', async () => {
    const first = await search({ brief: 'fitness and gym workouts', candidate_limit: 5, top_k: 5 });
    const excluded = first.candidates.slice(0, 2).map((c) => c.creator.key);
    const second = await search({ brief: 'fitness and gym workouts', candidate_limit: 5, top_k: 5, exclude_handles: excluded });
    for (const k of excluded) assert.ok(!second.candidates.some((c) => c.creator.key === k), k);
    assert.equal(second.candidates.length, 5);
  });

  it('writes the candidates artifact and reuses it on a re-run', async () => {
    const { jobId, run, expand, candidates } = await search({ brief: 'home decor and interior design', candidate_limit: 15, top_k: 5 });
    const artifact = await t.ctx.repos.artifacts.get<CandidateSummary[]>(jobId, 'candidates');
    assert.deepEqual(artifact!.data.map((c) => c.key), candidates.map((c) => c.creator.key));
    assert.deepEqual(artifact!.data.map((c) => c.rank), candidates.map((_, i) => i + 1));
    const row = artifact!.data[0]!;
    assert.equal(row.profile_url, candidates[0]!.creator.profileUrl);
    assert.ok(row.matched_queries.length >= 1);

    const searchesBefore = (await t.ctx.repos.calls.listForJob(jobId)).filter((c) => c.operation === 'hybrid_search').length;
    const again = await runSearchStage(run, expand);
    assert.deepEqual(again.map((c) => c.creator.key), candidates.map((c) => c.creator.key));
    const searchesAfter = (await t.ctx.repos.calls.listForJob(jobId)).filter((c) => c.operation === 'hybrid_search').length;
    assert.equal(searchesAfter, searchesBefore, 'a re-run does not search again');
  });

  it('returns no candidates when nothing passes the filters', async () => {
    const { candidates } = await search({ brief: 'pet creators', filters: { followers_min: 4_000_000_000 } });
    assert.deepEqual(candidates, []);
  });
});
