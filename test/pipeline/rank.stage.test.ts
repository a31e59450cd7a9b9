import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CreatorKey } from '../../src/domain/creator.js';
import type { BriefExpansion, FitScore, MatchQuality, RankedResult } from '../../src/domain/job.js';
import { JobRuntime } from '../../src/pipeline/job-runtime.js';
import { runRankStage } from '../../src/pipeline/rank.stage.js';
import type { TimingArtifact } from '../../src/pipeline/rank.stage.js';
import { matchQuality, rankProfiles } from '../../src/pipeline/results.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { createJob, makeProfile } from './fixtures.js';

const fit = (key: CreatorKey, score: number, fallback?: boolean): FitScore => ({
  key,
  score,
  rationale: `r${score}`,
  matchedTopics: ['t'],
  ...(fallback ? { fallback } : {}),
});

const expansion: BriefExpansion = { queries: ['protein'], niches: ['fitness'], topics: ['protein'], filters: {}, audience: [{ niche: 'fitness', weight: 1 }] };

describe('rankProfiles', () => {
  const profiles = [
    makeProfile({ handle: 'low', followers: 900_000, engagementRate: 0.2 }),
    makeProfile({ handle: 'tie_small', followers: 5_000, engagementRate: 0.04 }),
    makeProfile({ handle: 'tie_big', followers: 50_000, engagementRate: 0.04 }),
    makeProfile({ handle: 'tie_engaged', followers: 1_000, engagementRate: 0.09 }),
    makeProfile({ handle: 'tie_unknown', followers: null, engagementRate: null }),
    makeProfile({ handle: 'top', followers: 10, engagementRate: 0.001 }),
    makeProfile({ handle: 'unscored' }),
  ];
  const scores = new Map<CreatorKey, FitScore>(
    profiles.filter((p) => p.handle !== 'unscored').map((p) => [p.key, fit(p.key, p.handle === 'top' ? 90 : p.handle === 'low' ? 10 : 70, p.handle === 'tie_big')]),
  );

  it('orders by fit score, then engagement, then followers, unknowns last', () => {
    const ranked = rankProfiles(profiles, scores, 10);
    assert.deepEqual(ranked.map((r) => r.handle), ['top', 'tie_engaged', 'tie_big', 'tie_small', 'tie_unknown', 'low']);
    assert.deepEqual(ranked.map((r) => r.rank), [1, 2, 3, 4, 5, 6]);
  });

  it('keeps top_k and maps every result field', () => {
    const [first, second, third] = rankProfiles(profiles, scores, 3);
    assert.equal(rankProfiles(profiles, scores, 3).length, 3);
    const top = profiles.find((p) => p.handle === 'top')!;
    assert.deepEqual(first, {
      rank: 1,
      platform: 'instagram',
      handle: 'top',
      display_name: null,
      profile_url: 'https://www.instagram.com/top/',
      fit_score: 90,
      score_breakdown: null,
      rationale: 'r90',
      matched_topics: ['t'],
      followers: 10,
      engagement_rate: 0.001,
      country: null,
      language: null,
      data_source: 'index',
      stale: false,
      observed_at: top.observedAt,
      observed_at_basis: 'source',
      fetched_at: '2026-01-01T00:00:00.000Z',
      score_fallback: false,
      niches: [],
    } satisfies RankedResult);
    assert.equal(second!.score_fallback, false);
    assert.equal(third!.score_fallback, true);
  });
});

describe('runRankStage', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(async () => {
    await t.cleanup();
  });

  it('writes final and timing', async () => {
    const jobId = await createJob(t.ctx, { brief: 'anything at all here', top_k: 2 });
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    const runtime = new JobRuntime(t.ctx, jobId, new AbortController().signal, t.ctx.logger);
    const profiles = [makeProfile({ handle: 'a' }), makeProfile({ handle: 'b' }), makeProfile({ handle: 'c' })];
    const scores = new Map(profiles.map((p, i) => [p.key, fit(p.key, 50 + i)]));
    const results = await runRankStage(
      { deps: t.ctx, params: job.params, runtime },
      { profiles, scores, expansion, timings: { expand: { duration_ms: 3, queries: 2 } }, startedAt: performance.now() - 50, attempt: 1 },
    );
    assert.deepEqual(results.map((r) => r.handle), ['c', 'b']);
    assert.deepEqual((await t.ctx.repos.artifacts.get<RankedResult[]>(jobId, 'final'))!.data, results);
    const timing = (await t.ctx.repos.artifacts.get<TimingArtifact>(jobId, 'timing'))!.data;
    assert.equal(timing.attempt, 1);
    assert.ok(timing.total_ms >= 50);
    assert.deepEqual(timing.stages.expand, { duration_ms: 3, queries: 2 });
    assert.equal(timing.stages.rank!.results, 2);
  });

  it('leaves out results below min_fit_score and says the match is weak when few are left', async () => {
    const jobId = await createJob(t.ctx, { brief: 'protein powder for gym creators', top_k: 25, min_fit_score: 60 });
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.params.minFitScore, 60);
    const runtime = new JobRuntime(t.ctx, jobId, new AbortController().signal, t.ctx.logger);
    const profiles = ['a', 'b', 'c', 'd'].map((handle) => makeProfile({ handle }));
    const scores = new Map(profiles.map((p, i) => [p.key, fit(p.key, [80, 61, 60, 59][i]!)]));
    const results = await runRankStage({ deps: t.ctx, params: job.params, runtime }, { profiles, scores, expansion, timings: {}, startedAt: performance.now(), attempt: 1 });
    assert.deepEqual(results.map((r) => r.handle), ['a', 'b', 'c'], 'top_k is a maximum: 59 is below the floor');
    const match = (await t.ctx.repos.artifacts.get<MatchQuality>(jobId, 'match'))!.data;
    assert.equal(match.level, 'weak');
    assert.match(match.reason, /only 3 creator\(s\) about fitness reached min_fit_score 60/);
    const events = await t.ctx.repos.events.list(jobId);
    const warning = events.find((e) => e.type === 'warning');
    assert.equal(warning?.data.code, 'weak_match');
  });

  it('says none when nothing reaches the floor, and strong when enough good matches do', () => {
    const none = matchQuality(expansion, [], { topK: 25, minFitScore: 35, candidates: 150 });
    assert.equal(none.level, 'none');
    assert.match(none.reason, /none of the 150 candidates reached the relevance floor \(min_fit_score 35\)/);
    const good = Array.from({ length: 12 }, () => ({ fit_score: 70 }));
    assert.equal(matchQuality(expansion, good, { topK: 25, minFitScore: 35, candidates: 150 }).level, 'strong');
    const poor = Array.from({ length: 12 }, () => ({ fit_score: 40 }));
    assert.match(matchQuality(expansion, poor, { topK: 25, minFitScore: 35, candidates: 150 }).reason, /average a fit of only 40/);
    const vague = matchQuality({ niches: [], audience: [] }, good, { topK: 25, minFitScore: 35, candidates: 150 });
    assert.equal(vague.level, 'weak');
    assert.match(vague.reason, /names no niche, product or audience/);
  });
});
