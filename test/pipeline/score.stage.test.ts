import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FitScore, RankedResult } from '../../src/domain/job.js';
import type { Profile } from '../../src/domain/profile.js';
import { JobCancelledError } from '../../src/errors.js';
import type { ExpandOutput } from '../../src/pipeline/expand.stage.js';
import { JobRuntime } from '../../src/pipeline/job-runtime.js';
import { runScoreStage } from '../../src/pipeline/score.stage.js';
import { FitScoreContractError } from '../../src/providers/llm/llm.js';
import type { PipelineDeps } from '../../src/pipeline/stage-run.js';
import { expandBriefText } from '../../src/providers/llm/heuristic-expand.js';
import { profileFromCreator } from '../../src/providers/profiles/index-profile.source.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { ScriptedLlm, withProviders } from './doubles.js';
import { createJob, nicheCorpus } from './fixtures.js';

const BRIEF = 'pet creators with dogs and cats';
const expansion = expandBriefText(BRIEF);
const expand: ExpandOutput = { brief: BRIEF, expansion, filters: {}, reused: false };
const profiles: Profile[] = nicheCorpus(4).map((c) => profileFromCreator(c, { maxAgeDays: 180 }));

describe('runScoreStage', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext({ SCORE_BATCH_SIZE: '5', SCORE_CONCURRENCY: '2' });
  });
  after(async () => {
    await t.cleanup();
  });

  // no relevance floor: these tests follow every scored profile through the batches
  async function setup(deps: PipelineDeps, topK = 10, minFitScore = 0) {
    const jobId = await createJob(t.ctx, { brief: BRIEF, top_k: topK, min_fit_score: minFitScore });
    await t.ctx.repos.jobs.markRunning(jobId);
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    const runtime = new JobRuntime(deps, jobId, new AbortController().signal, t.ctx.logger);
    await runtime.enterStage('score');
    return { jobId, job, run: { deps, params: job.params, runtime } };
  }

  it('scores in batches and rewrites progressive and remaining after every batch', async () => {
    const seen: { progressive: number; remaining: number; scored: number }[] = [];
    let jobId = '';
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: async () => {
        const progressive = await t.ctx.repos.artifacts.get<RankedResult[]>(jobId, 'progressive');
        const remaining = await t.ctx.repos.artifacts.get<unknown[]>(jobId, 'remaining');
        const job = await t.ctx.repos.jobs.get(jobId);
        seen.push({ progressive: progressive!.data.length, remaining: remaining!.data.length, scored: job!.meta.scored });
      },
    });
    const deps = withProviders(t.ctx, { llm }, { scoring: { batchSize: 5, concurrency: 1 } });
    const s = await setup(deps);
    jobId = s.jobId;
    const out = await runScoreStage(s.run, expand, profiles);

    assert.equal(out.scores.size, profiles.length);
    assert.equal(llm.scoreCalls, Math.ceil(profiles.length / 5));
    // what each batch saw when it started: the state after all batches before it
    assert.deepEqual(seen.map((x) => x.remaining), seen.map((_, i) => profiles.length - 5 * i));
    assert.deepEqual(seen.map((x) => x.scored), seen.map((_, i) => 5 * i));
    assert.deepEqual(seen.map((x) => x.progressive), seen.map((_, i) => Math.min(10, 5 * i)));

    const progressive = (await t.ctx.repos.artifacts.get<RankedResult[]>(jobId, 'progressive'))!.data;
    assert.equal(progressive.length, 10, 'top_k so far');
    assert.deepEqual(progressive.map((r) => r.rank), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (let i = 1; i < progressive.length; i++) assert.ok(progressive[i - 1]!.fit_score >= progressive[i]!.fit_score);
    assert.ok(progressive.slice(0, 4).every((r) => r.handle.startsWith('pet_')), 'pet creators rank first');
    assert.deepEqual((await t.ctx.repos.artifacts.get(jobId, 'remaining'))!.data, []);
    for (const r of progressive) {
      const b = r.score_breakdown!;
      assert.equal(b.niche + b.topics + b.audience + b.engagement + b.freshness, r.fit_score, 'the breakdown adds up to the fit score');
    }

    const events = await t.ctx.jobEvents.list(jobId, 0, 1000);
    const partial = events.filter((e) => e.type === 'partial_results');
    assert.equal(partial.length, llm.scoreCalls);
    assert.deepEqual(partial.map((e) => e.data.scored), partial.map((_, i) => Math.min(profiles.length, 5 * (i + 1))));
    const progress = events.filter((e) => e.type === 'progress');
    assert.equal(progress.length, llm.scoreCalls);
    assert.equal(events.filter((e) => e.type === 'warning').length, 0);
    const job = await t.ctx.repos.jobs.get(jobId);
    assert.equal(job!.meta.scored, profiles.length);
    assert.equal(job!.meta.fallback_batches, 0);
  });

  it('counts and announces batches whose scores fell back', async () => {
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: async (call, batch, ctx) => {
        if (call !== 2 && call !== 4) return;
        const scores: FitScore[] = await t.ctx.providers.llm.scoreFit({ brief: BRIEF, expansion, filters: {} }, batch, ctx);
        return scores.map((s) => ({ ...s, fallback: true }));
      },
    });
    const s = await setup(withProviders(t.ctx, { llm }));
    const out = await runScoreStage(s.run, expand, profiles);
    assert.equal(out.fallbackBatches, 2);
    const warnings = (await t.ctx.jobEvents.list(s.jobId, 0, 1000)).filter((e) => e.type === 'warning');
    assert.equal(warnings.length, 2);
    assert.ok(warnings.every((w) => w.data.code === 'score_fallback'));
    assert.equal((await t.ctx.repos.jobs.get(s.jobId))!.meta.fallback_batches, 2);
    const flagged = [...out.scores.values()].filter((x) => x.fallback);
    assert.equal(flagged.length, 10);
  });

  it('resumes from saved scores, scoring only what is left', async () => {
    const s = await setup(t.ctx);
    const done = await t.ctx.providers.llm.scoreFit({ brief: BRIEF, expansion, filters: {} }, profiles.slice(0, 12), { jobId: null });
    await t.ctx.repos.artifacts.put(s.jobId, 'scores', { scores: done, fallback_batches: 1 });
    const llm = new ScriptedLlm(t.ctx.providers.llm);
    const out = await runScoreStage({ ...s.run, deps: withProviders(t.ctx, { llm }) }, expand, profiles);
    assert.equal(out.resumed, 12);
    assert.equal(out.scores.size, profiles.length);
    assert.equal(out.fallbackBatches, 1);
    assert.equal(llm.scoreCalls, Math.ceil((profiles.length - 12) / 5));
    const scoredKeys = (await t.ctx.repos.calls.listForJob(s.jobId)).filter((c) => c.operation === 'score');
    assert.equal(scoredKeys.reduce((n, c) => n + (c.units.profiles ?? 0), 0), profiles.length - 12, 'no profile scored twice');
  });

  it('fails the stage when an Llm leaves a profile out (the contract is one score per profile; the stage fills nothing in)', async () => {
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: async (_call, batch, ctx) => (await t.ctx.providers.llm.scoreFit({ brief: BRIEF, expansion, filters: {} }, batch, ctx)).slice(1),
    });
    const s = await setup(withProviders(t.ctx, { llm }, { scoring: { batchSize: 5, concurrency: 1 } }));
    await assert.rejects(runScoreStage(s.run, expand, profiles), FitScoreContractError);
  });

  it('checks for cancellation before each batch', async () => {
    let s: Awaited<ReturnType<typeof setup>> | null = null;
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: async (call) => {
        if (call === 2) await t.ctx.repos.jobs.requestCancel(s!.jobId, s!.job.apiKeyId);
      },
    });
    s = await setup(withProviders(t.ctx, { llm }, { scoring: { batchSize: 5, concurrency: 1 } }));
    await assert.rejects(runScoreStage(s.run, expand, profiles), JobCancelledError);
    assert.equal(llm.scoreCalls, 2, 'the batch in flight finishes, no new one starts');
    const job = await t.ctx.repos.jobs.get(s.jobId);
    assert.equal(job!.meta.scored, 10, 'both finished batches were kept');
  });
});
