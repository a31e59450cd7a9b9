import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { RankedResult } from '../../src/domain/job.js';
import { ProviderError } from '../../src/errors.js';
import { giveUpJob, runPipeline } from '../../src/pipeline/run-pipeline.js';
import type { TerminalStatus } from '../../src/pipeline/run-pipeline.js';
import type { JobEvent } from '../../src/repositories/events.repository.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { ScriptedLlm, withProviders } from './doubles.js';
import { createJob, nicheCorpus, seedIndex } from './fixtures.js';

const BATCH = 6;

describe('runPipeline', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext({ SCORE_BATCH_SIZE: String(BATCH), SCORE_CONCURRENCY: '2', ENRICH_BATCH_SIZE: '10' });
    await seedIndex(t.ctx, nicheCorpus(12));
  });
  after(async () => {
    await t.cleanup();
  });

  const events = (jobId: string) => t.ctx.jobEvents.list(jobId, 0, 1000);
  const types = (list: JobEvent[]) => list.map((e) => e.type);
  const finished = () => {
    const calls: [string, TerminalStatus][] = [];
    return { calls, onFinished: async (id: string, s: TerminalStatus) => void calls.push([id, s]) };
  };

  function assertSequence(list: JobEvent[]) {
    assert.deepEqual(list.map((e) => e.seq), list.map((_, i) => i + 1), 'seq is 1..n without gaps');
  }

  it('runs every stage in order, with events, counters and artifacts', async () => {
    const jobId = await createJob(t.ctx, { brief: 'travel creators for a luggage brand', top_k: 10, candidate_limit: 30 });
    const hook = finished();
    const outcome = await runPipeline(t.ctx, jobId, { onFinished: hook.onFinished });
    assert.deepEqual(outcome, { status: 'completed', results: 10 });
    assert.deepEqual(hook.calls, [[jobId, 'completed']]);

    const list = await events(jobId);
    assertSequence(list);
    const stageEvents = list.filter((e) => e.type === 'stage_started' || e.type === 'stage_completed');
    assert.deepEqual(
      stageEvents.map((e) => `${e.type}:${String(e.data.stage)}`),
      ['expand', 'search', 'enrich', 'score', 'rank'].flatMap((s) => [`stage_started:${s}`, `stage_completed:${s}`]),
    );
    assert.equal(list.at(-1)!.type, 'completed');
    assert.equal(list.at(-1)!.data.results, 10);
    assert.equal(types(list).filter((x) => x === 'completed').length, 1);
    const progress = list.filter((e) => e.type === 'progress').map((e) => e.data.progress as number);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! >= progress[i - 1]!, `progress never goes back: ${progress.join(',')}`);
    const partial = list.filter((e) => e.type === 'partial_results');
    assert.equal(partial.length, Math.ceil(30 / BATCH), 'one partial_results per scoring batch');
    // partial results come while scoring, before the stage ends
    const scoreDone = list.findIndex((e) => e.type === 'stage_completed' && e.data.stage === 'score');
    assert.ok(list.indexOf(partial[0]!) < scoreDone);

    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.status, 'completed');
    assert.equal(job.progress, 1);
    assert.equal(job.stage, 'rank');
    assert.equal(job.attempts, 1);
    assert.deepEqual(
      { candidates: job.meta.candidates, enriched: job.meta.enriched, scored: job.meta.scored, cost: job.meta.cost_usd },
      { candidates: 30, enriched: 30, scored: 30, cost: 0 },
    );
    assert.ok(job.finishedAt && job.startedAt);

    const final = (await t.ctx.repos.artifacts.get<RankedResult[]>(jobId, 'final'))!.data;
    assert.equal(final.length, 10);
    assert.ok(final.filter((r) => r.handle.startsWith('travel_')).length >= 8, final.map((r) => r.handle).join(','));
    assert.deepEqual((await t.ctx.repos.artifacts.get<RankedResult[]>(jobId, 'progressive'))!.data, final);
    assert.deepEqual((await t.ctx.repos.artifacts.get(jobId, 'remaining'))!.data, []);
    const kinds = (await t.ctx.repos.artifacts.listKinds(jobId)).map((k) => k.kind);
    for (const k of ['candidates', 'progressive', 'remaining', 'timing', 'final', 'expansion', 'scores']) assert.ok(kinds.includes(k as never), k);

    const calls = await t.ctx.repos.calls.listForJob(jobId);
    assert.equal(calls.filter((c) => c.service === 'llm' && c.operation === 'expand').length, 1);
    assert.equal(calls.filter((c) => c.service === 'llm' && c.operation === 'score').length, Math.ceil(30 / BATCH));
    assert.ok(calls.every((c) => c.status === 'ok'));

    const again = await runPipeline(t.ctx, jobId, { onFinished: hook.onFinished });
    assert.equal(again.status, 'skipped');
    assert.equal((await events(jobId)).length, list.length, 're-running a finished job adds nothing');
    assert.equal(hook.calls.length, 1);
  });

  it('stops at the next safe point when cancelled while running', async () => {
    const jobId = await createJob(t.ctx, { brief: 'food creators who bake', top_k: 5, candidate_limit: 30 });
    const { apiKeyId } = (await t.ctx.repos.jobs.get(jobId))!;
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: async (call) => {
        if (call === 1) await t.ctx.repos.jobs.requestCancel(jobId, apiKeyId);
      },
    });
    const hook = finished();
    const deps = withProviders(t.ctx, { llm }, { scoring: { batchSize: BATCH, concurrency: 1 } });
    assert.deepEqual(await runPipeline(deps, jobId, { onFinished: hook.onFinished }), { status: 'cancelled' });
    assert.equal(llm.scoreCalls, 1);

    const list = await events(jobId);
    assertSequence(list);
    assert.equal(list.at(-1)!.type, 'cancelled');
    assert.equal(list.at(-1)!.data.stage, 'score');
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.status, 'cancelled');
    assert.equal(job.meta.scored, BATCH);
    assert.equal(await t.ctx.repos.artifacts.get(jobId, 'final'), null);
    assert.equal((await t.ctx.repos.artifacts.get<unknown[]>(jobId, 'remaining'))!.data.length, 30 - BATCH);
    assert.deepEqual(hook.calls, [[jobId, 'cancelled']]);
  });

  it('writes the cancelled event once for a job cancelled before it ran', async () => {
    const jobId = await createJob(t.ctx, { brief: 'pet creators with dogs' });
    const { apiKeyId } = (await t.ctx.repos.jobs.get(jobId))!;
    await t.ctx.repos.jobs.requestCancel(jobId, apiKeyId);
    assert.equal((await runPipeline(t.ctx, jobId)).status, 'skipped');
    assert.equal((await runPipeline(t.ctx, jobId)).status, 'skipped');
    assert.deepEqual(types(await events(jobId)), ['cancelled']);
  });

  it('fails with a clear, secret-free message when a provider gives up', async () => {
    const jobId = await createJob(t.ctx, { brief: 'fitness creators for gyms', candidate_limit: 20, top_k: 5 });
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: () => {
        throw new ProviderError('llm', 'score', 'HTTP 401 Invalid credentials (Authorization: Bearer sk-live-0123456789abcdef)', {
          status: 401,
          retryable: false,
        });
      },
    });
    const hook = finished();
    const outcome = await runPipeline(withProviders(t.ctx, { llm }), jobId, { onFinished: hook.onFinished, finalAttempt: false });
    assert.equal(outcome.status, 'failed');
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.status, 'failed');
    assert.equal(job.error!.code, 'provider_failed');
    assert.match(job.error!.message, /llm\.score: HTTP 401 Invalid credentials/);
    assert.doesNotMatch(JSON.stringify(job.error), /0123456789abcdef/);
    const last = (await events(jobId)).at(-1)!;
    assert.equal(last.type, 'failed');
    assert.deepEqual(last.data, { stage: 'score', ...job.error });
    assert.deepEqual(hook.calls, [[jobId, 'failed']]);
  });

  it('hides internal errors behind a generic message', async () => {
    const jobId = await createJob(t.ctx, { brief: 'fitness creators for gyms', candidate_limit: 20, top_k: 5 });
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeExpand: () => {
        throw new TypeError("Cannot read properties of undefined (reading 'password=hunter2')");
      },
    });
    const outcome = await runPipeline(withProviders(t.ctx, { llm }), jobId);
    assert.deepEqual(outcome, { status: 'failed', error: { code: 'internal', message: 'internal error during the expand stage' } });
  });

  it('leaves a retryable failure to the next attempt, which resumes without redoing work', async () => {
    const jobId = await createJob(t.ctx, { brief: 'interior design and home decor', candidate_limit: 30, top_k: 5 });
    const failing = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: (call) => {
        if (call === 3) throw new ProviderError('llm', 'score', 'HTTP 503 after 3 tries', { status: 503, retryable: true });
      },
    });
    const deps = withProviders(t.ctx, { llm: failing }, { scoring: { batchSize: BATCH, concurrency: 1 } });
    await assert.rejects(runPipeline(deps, jobId, { finalAttempt: false }), /HTTP 503/);
    let job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.status, 'running', 'not failed while attempts remain');
    assert.equal(job.meta.scored, 2 * BATCH);
    assert.equal((await events(jobId)).at(-1)!.data.code, 'retrying');

    const healthy = new ScriptedLlm(t.ctx.providers.llm);
    const outcome = await runPipeline(withProviders(t.ctx, { llm: healthy }), jobId, { finalAttempt: true });
    assert.equal(outcome.status, 'completed');
    assert.equal(healthy.expandCalls, 0, 'the saved expansion is reused');
    assert.equal(healthy.scoreCalls, Math.ceil((30 - 2 * BATCH) / BATCH), 'only unscored candidates are scored');

    job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.attempts, 2);
    assert.equal(job.meta.scored, 30);
    const list = await events(jobId);
    assertSequence(list);
    assert.equal(types(list).filter((x) => x === 'completed').length, 1);
    assert.ok(list.some((e) => e.type === 'warning' && e.data.code === 'resumed'));
    const scoredUnits = (await t.ctx.repos.calls.listForJob(jobId))
      .filter((c) => c.operation === 'score' && c.status === 'ok')
      .reduce((n, c) => n + (c.units.profiles ?? 0), 0);
    assert.equal(scoredUnits, 30, 'every candidate scored exactly once across both attempts');
  });

  it('hands the job back when its signal aborts, and a later run finishes it', async () => {
    const jobId = await createJob(t.ctx, { brief: 'family creators, moms and kids', candidate_limit: 30, top_k: 5 });
    const shutdown = new AbortController();
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: (call) => {
        if (call === 2) shutdown.abort('worker shutting down');
      },
    });
    const deps = withProviders(t.ctx, { llm }, { scoring: { batchSize: BATCH, concurrency: 1 } });
    assert.deepEqual(await runPipeline(deps, jobId, { signal: shutdown.signal }), { status: 'handed_back' });
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.status, 'running');
    assert.equal((await events(jobId)).at(-1)!.data.code, 'handed_back');

    assert.equal((await runPipeline(t.ctx, jobId)).status, 'completed');
    const list = await events(jobId);
    assertSequence(list);
    assert.equal(list.at(-1)!.type, 'completed');
  });

  it('fails a job that runs past JOB_TIMEOUT_MS', async () => {
    const jobId = await createJob(t.ctx, { brief: 'beauty creators for lipstick', candidate_limit: 10, top_k: 5 });
    const llm = new ScriptedLlm(t.ctx.providers.llm, {
      beforeScore: async (_call, _profiles, ctx) => {
        if (!ctx.signal!.aborted) await once(ctx.signal!, 'abort');
      },
    });
    const deps = withProviders(t.ctx, { llm }, { worker: { ...t.ctx.config.worker, jobTimeoutMs: 300 } });
    const outcome = await runPipeline(deps, jobId);
    assert.deepEqual(outcome, { status: 'failed', error: { code: 'timeout', message: 'the job did not finish within 300 ms' } });
  });

  it('completes with no results when nothing matches, saying why', async () => {
    const jobId = await createJob(t.ctx, { brief: 'pet creators with huge audiences', filters: { followers_min: 4_000_000_000 } });
    assert.deepEqual(await runPipeline(t.ctx, jobId), { status: 'completed', results: 0 });
    const list = await events(jobId);
    assert.ok(list.some((e) => e.type === 'warning' && e.data.code === 'no_candidates'));
    assert.deepEqual((await t.ctx.repos.artifacts.get(jobId, 'final'))!.data, []);
  });

  it('gives up on a job from outside a run only while it is unfinished', async () => {
    const jobId = await createJob(t.ctx, { brief: 'pet creators with cats' });
    const hook = finished();
    assert.equal(await giveUpJob(t.ctx, jobId, 'job stalled more than allowable limit (token=abcdef0123456789)', hook), true);
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    assert.equal(job.status, 'failed');
    assert.equal(job.error!.code, 'gave_up');
    assert.doesNotMatch(job.error!.message, /abcdef0123456789/);
    assert.equal(await giveUpJob(t.ctx, jobId, 'again', hook), false);
    assert.deepEqual(types(await events(jobId)), ['failed']);
    assert.deepEqual(hook.calls, [[jobId, 'failed']]);
  });

  it('skips unknown jobs', async () => {
    assert.deepEqual(await runPipeline(t.ctx, 'job_doesnotexist'), { status: 'skipped', reason: 'unknown job' });
  });
});
