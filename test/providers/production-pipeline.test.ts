import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { defaultPrices } from '../../src/config.js';
import type { RankedResult } from '../../src/domain/job.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import { FakeBrightData } from '../fakes/brightdata/server.js';
import { freshProfilesOf } from '../fakes/brightdata/profiles.js';
import { FakeOpenAi } from '../fakes/openai.fake.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { createJob, nicheCorpus, seedIndex } from '../pipeline/fixtures.js';

/**
 * The whole pipeline with every production provider this slice owns — OpenAI-compatible LLM and
 * embeddings, BrightData — switched on by configuration alone and pointed at the local fakes.
 */
describe('pipeline on production providers (LLM + embeddings + BrightData fakes)', () => {
  const openai = new FakeOpenAi({ apiKey: 'sk-test', embeddingDim: 64 });
  const brightdata = new FakeBrightData({ apiKey: 'bd-key', instagramVariant: 'mixed' });
  const corpus = nicheCorpus(6);
  let t: TestContext;

  before(async () => {
    await openai.start();
    await brightdata.start();
    t = await createTestContext({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: openai.baseUrl,
      LLM_API_KEY: 'sk-test',
      LLM_MODEL: 'gpt-fake',
      LLM_MAX_RETRIES: '1',
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_BASE_URL: openai.baseUrl,
      EMBEDDINGS_API_KEY: 'sk-test',
      EMBEDDINGS_MODEL: 'embed-fake',
      EMBEDDINGS_DIM: '64',
      EMBEDDINGS_ENCODING: 'base64',
      PROFILE_SOURCE: 'brightdata',
      BRIGHTDATA_BASE_URL: brightdata.url,
      BRIGHTDATA_API_KEY: 'bd-key',
      BRIGHTDATA_POLL_INTERVAL_MS: '10',
      BRIGHTDATA_RETRY_BASE_MS: '1',
      PROVIDER_RETRY_BASE_MS: '1',
      PROVIDER_MAX_RETRIES: '1',
      SCORE_BATCH_SIZE: '5',
      ENRICH_BATCH_SIZE: '8',
    });
    await seedIndex(t.ctx, corpus);
    // BrightData knows fresher numbers than the index: +1000 followers, a real bio.
    brightdata.addCreators(...freshProfilesOf(corpus));
  });
  after(async () => {
    await t.cleanup();
    await openai.stop();
    await brightdata.stop();
  });
  beforeEach(async () => {
    openai.reset();
    brightdata.reset();
    brightdata.options.dead = [];
    await t.ctx.pool.query('delete from brightdata_cache');
  });

  const finalOf = async (jobId: string) => (await t.ctx.repos.artifacts.get<RankedResult[]>(jobId, 'final'))!.data;

  it('is wired by configuration alone', () => {
    assert.equal(t.ctx.providers.llm.name, 'openai:gpt-fake');
    assert.equal(t.ctx.providers.embedder.id, 'openai:embed-fake:64');
    assert.equal(t.ctx.providers.profiles.name, 'brightdata');
  });

  it('completes with fresh BrightData profiles, LLM scores, and a ledger equal to what the fakes billed', async () => {
    const jobId = await createJob(t.ctx, { brief: 'fitness creators for a protein snack, gym and workout content', top_k: 8, candidate_limit: 20, min_fit_score: 0 });
    const outcome = await runPipeline(t.ctx, jobId);
    assert.deepEqual(outcome, { status: 'completed', results: 8 });

    const final = await finalOf(jobId);
    assert.equal(final.length, 8);
    for (const r of final) {
      assert.equal(r.data_source, 'brightdata');
      assert.equal(r.stale, false);
      assert.equal(r.score_fallback, false);
      const indexed = corpus.find((c) => c.handle === r.handle)!;
      // The docs' short record variant writes "26.8K", so allow its rounding.
      assert.ok(Math.abs(r.followers! - (indexed.followers! + 1000)) <= 50, `fresh numbers, not the index: ${r.followers}`);
    }
    assert.ok(final.filter((r) => r.handle.startsWith('fitness_')).length >= 4, final.map((r) => r.handle).join(','));

    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.meta.enriched, 20);
    assert.equal(job.meta.stale_profiles ?? 0, 0);
    assert.equal(job.meta.fallback_batches ?? 0, 0);

    const calls = await t.ctx.repos.calls.listForJob(jobId);
    const sum = (service: string, unit: string) => calls.filter((c) => c.service === service).reduce((n, c) => n + (c.units[unit] ?? 0), 0);
    assert.equal(sum('llm', 'prompt_tokens'), openai.billed.promptTokens);
    assert.equal(sum('llm', 'completion_tokens'), openai.billed.completionTokens);
    assert.equal(sum('embeddings', 'tokens'), openai.billed.embeddingTokens);
    assert.equal(sum('brightdata', 'records'), brightdata.billed.records);
    assert.equal(calls.filter((c) => c.service === 'llm' && c.operation === 'score').length, 4, '20 candidates in batches of 5');
    assert.deepEqual([...new Set(calls.filter((c) => c.service === 'brightdata').map((c) => c.operation))], ['scrape']);

    const billedUsd =
      (openai.billed.promptTokens * defaultPrices.llmPromptPer1M +
        openai.billed.completionTokens * defaultPrices.llmCompletionPer1M +
        openai.billed.embeddingTokens * defaultPrices.embeddingsPer1M) /
        1e6 +
      (brightdata.billed.records * defaultPrices.brightdataPer1kRecords) / 1000;
    assert.ok(billedUsd > 0);
    assert.ok(Math.abs(job.meta.cost_usd - billedUsd) < 1e-6, `job cost ${job.meta.cost_usd} vs billed ${billedUsd}`);
  });

  it('serves a second job from the BrightData cache', async () => {
    const body = { brief: 'travel creators for a luggage brand', top_k: 5, candidate_limit: 10, min_fit_score: 0 };
    await runPipeline(t.ctx, await createJob(t.ctx, body));
    const before = brightdata.requests.length;
    const jobId = await createJob(t.ctx, body);
    assert.equal((await runPipeline(t.ctx, jobId)).status, 'completed');
    assert.equal(brightdata.requests.length, before, 'no BrightData request the second time');
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.meta.cache_hits, 10);
    assert.ok((await finalOf(jobId)).every((r) => r.data_source === 'cache' && !r.stale));
  });

  it('completes when BrightData fails for some profiles, with index data (and its observed_at) standing in for them', async () => {
    const dead = corpus.filter((c) => c.handle.startsWith('food_')).map((c) => c.handle);
    brightdata.options.dead = dead;
    const startedAt = Date.now();
    const jobId = await createJob(t.ctx, { brief: 'food creators who share recipes and cooking', top_k: 10, candidate_limit: 20, min_fit_score: 0 });
    assert.equal((await runPipeline(t.ctx, jobId)).status, 'completed');
    const final = await finalOf(jobId);
    assert.ok(final.some((r) => dead.includes(r.handle)));
    for (const r of final) {
      const indexed = corpus.find((c) => c.handle === r.handle)!;
      if (dead.includes(r.handle)) {
        assert.equal(r.data_source, 'index');
        assert.equal(r.followers, indexed.followers);
        assert.deepEqual([r.observed_at, r.observed_at_basis], [indexed.observedAt, indexed.observedAtBasis]);
        assert.equal(r.stale, false, 'the index data was observed today');
      } else {
        assert.equal(r.stale, false);
        assert.equal(r.data_source, 'brightdata');
        // a refreshed profile is observed when it was fetched
        assert.equal(r.observed_at_basis, 'fetch');
        assert.ok(Date.parse(r.observed_at!) >= startedAt - 1000 && r.observed_at === r.fetched_at);
      }
    }
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.meta.stale_profiles! + job.meta.enriched, 20);
    assert.ok(job.meta.stale_profiles! > 0);
  });

  it('completes when the LLM answers invalid JSON once, without falling back', async () => {
    openai.scriptChat('invalid_json');
    const jobId = await createJob(t.ctx, { brief: 'beauty creators for a skincare serum launch', top_k: 5, candidate_limit: 10, min_fit_score: 0 });
    assert.equal((await runPipeline(t.ctx, jobId)).status, 'completed');
    assert.ok((await finalOf(jobId)).every((r) => !r.score_fallback));
    const llmCalls = (await t.ctx.repos.calls.listForJob(jobId)).filter((c) => c.service === 'llm');
    assert.equal(llmCalls.filter((c) => c.status === 'error').length, 1);
    assert.match(llmCalls.find((c) => c.status === 'error')!.error!, /not JSON/);
  });

  it('completes with flagged rule-based scores when the LLM keeps answering garbage', async () => {
    openai.scriptChat(...Array.from({ length: 20 }, () => 'invalid_json' as const));
    const jobId = await createJob(t.ctx, { brief: 'pet creators with dogs and cats', top_k: 5, candidate_limit: 10, min_fit_score: 0 });
    assert.equal((await runPipeline(t.ctx, jobId)).status, 'completed');
    const final = await finalOf(jobId);
    assert.ok(final.every((r) => r.score_fallback));
    assert.ok(final.filter((r) => r.handle.startsWith('pet_')).length >= 3, 'the rule-based scorer still ranks sensibly');
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.meta.fallback_batches, 2);
    // the rule-based stand-in is in the ledger as what it is: no provider call, status fallback
    const standIns = (await t.ctx.repos.calls.listForJob(jobId)).filter((c) => c.service === 'llm' && c.status === 'fallback');
    assert.equal(standIns.filter((c) => c.operation === 'score').length, 2, 'one per fallen-back batch');
    assert.ok(standIns.every((c) => c.httpStatus === null && c.costUsd === 0));
    const warnings = (await t.ctx.jobEvents.list(jobId, 0, 1000)).filter((e) => e.type === 'warning' && e.data.code === 'score_fallback');
    assert.equal(warnings.length, 2);
  });

  it('completes on index data alone, every profile from the index, when BrightData fails for all', async () => {
    brightdata.options.errorRate = 1;
    try {
      const jobId = await createJob(t.ctx, { brief: 'interior design creators for a furniture brand', top_k: 5, candidate_limit: 16, min_fit_score: 0 });
      assert.equal((await runPipeline(t.ctx, jobId)).status, 'completed');
      const final = await finalOf(jobId);
      assert.equal(final.length, 5);
      assert.ok(final.every((r) => r.data_source === 'index' && !r.stale));
      const job = (await t.ctx.repos.jobs.get(jobId))!;
      assert.equal(job.meta.stale_profiles, 16);
      assert.equal(job.meta.enriched, 0);
    } finally {
      brightdata.options.errorRate = 0;
    }
  });
});
