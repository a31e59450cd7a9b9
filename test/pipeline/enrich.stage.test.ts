import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runEnrichStage } from '../../src/pipeline/enrich.stage.js';
import { JobRuntime } from '../../src/pipeline/job-runtime.js';
import type { Candidate, PipelineDeps, StageRun } from '../../src/pipeline/stage-run.js';
import type { Profile } from '../../src/domain/profile.js';
import { JobCancelledError } from '../../src/errors.js';
import { IndexProfileSource } from '../../src/providers/profiles/index-profile.source.js';
import { createTestContext } from '../helpers/test-env.js';
import { waitUntil } from '../helpers/wait.js';
import type { TestContext } from '../helpers/test-env.js';
import { FlakyProfileSource, withProviders } from './doubles.js';
import { createJob, makeCreator, nicheCorpus, seedIndex } from './fixtures.js';

describe('runEnrichStage', () => {
  let t: TestContext;
  const corpus = nicheCorpus(5);
  // the index holds newer numbers than the search hits the stage starts from
  const hits: Candidate[] = corpus.map((c, i) => ({ creator: { ...c, followers: 1 }, score: 1 / (i + 1), queries: [0] }));

  before(async () => {
    t = await createTestContext({ ENRICH_BATCH_SIZE: '7', ENRICH_CONCURRENCY: '2' });
    await seedIndex(t.ctx, corpus);
  });
  after(async () => {
    await t.cleanup();
  });

  async function enrich(deps: PipelineDeps, candidates = hits) {
    const jobId = await createJob(t.ctx, { brief: 'anything at all here' });
    await t.ctx.repos.jobs.markRunning(jobId);
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    const runtime = new JobRuntime(deps, jobId, new AbortController().signal, t.ctx.logger);
    await runtime.enterStage('enrich');
    const run: StageRun = { deps, params: job.params, runtime };
    return { jobId, out: await runEnrichStage(run, candidates) };
  }

  it('fetches fresh profiles for every candidate in batches, keeping candidate order', async () => {
    const { jobId, out } = await enrich(t.ctx);
    assert.deepEqual(out.profiles.map((p) => p.key), hits.map((c) => c.creator.key));
    assert.equal(out.enriched, hits.length);
    assert.equal(out.stale, 0);
    assert.ok(out.profiles.every((p) => p.dataSource === 'index' && !p.stale));
    assert.ok(out.profiles.every((p) => p.followers !== 1), 'fresh data, not the search hit');

    const lookups = (await t.ctx.repos.calls.listForJob(jobId)).filter((c) => c.operation === 'index_lookup');
    assert.equal(lookups.length, Math.ceil(hits.length / 7));
    const progress = (await t.ctx.jobEvents.list(jobId, 0, 100)).filter((e) => e.type === 'progress');
    assert.equal(progress.length, lookups.length, 'one progress event per batch');
    assert.equal(progress.at(-1)!.data.enriched, hits.length);
    const job = await t.ctx.repos.jobs.get(jobId);
    assert.equal(job!.meta.enriched, hits.length);
    assert.equal(job!.meta.stale_profiles, 0);
  });

  it('degrades failed profiles and failed batches to the index data of the search hit', async () => {
    const failKeys = new Set([hits[0]!.creator.key, hits[9]!.creator.key]);
    const flaky = new FlakyProfileSource(t.ctx.providers.profiles, {
      failKeys,
      throwFor: (batch) => batch.some((c) => c.key === hits[7]!.creator.key),
      cacheHitsPerCall: 1,
    });
    const { jobId, out } = await enrich(withProviders(t.ctx, { profiles: flaky }));
    assert.equal(out.profiles.length, hits.length);
    // the search hits carry followers: 1, the index newer numbers: which stood in shows
    const fallbackKeys = out.profiles.filter((p) => p.followers === 1).map((p) => p.key);
    // the batch of candidates 7–13 threw as a whole; two more failed one by one
    const expected = new Set([...failKeys, ...hits.slice(7, 14).map((c) => c.creator.key)]);
    assert.deepEqual(new Set(fallbackKeys), expected);
    for (const p of out.profiles) {
      assert.equal(p.dataSource, 'index');
      assert.equal(p.stale, false, 'observed today: not stale, whether fetched or standing in');
    }
    assert.equal(out.stale, expected.size);
    assert.equal(out.enriched, hits.length - expected.size);
    assert.equal(out.cacheHits, flaky.calls - 1);
    const job = await t.ctx.repos.jobs.get(jobId);
    assert.equal(job!.meta.stale_profiles, expected.size);
    assert.equal(job!.meta.cache_hits, flaky.calls - 1);
    assert.equal(job!.status, 'running', 'a failed fetch never fails the job');
  });

  it('profiles the source does not return at all also fall back', async () => {
    const unknown = { creator: makeCreator({ handle: 'not_in_index' }), score: 0, queries: [0] };
    const { out } = await enrich(t.ctx, [hits[0]!, unknown]);
    assert.deepEqual(out.profiles.map((p) => [p.key, p.followers === 1]), [
      [hits[0]!.creator.key, false],
      ['instagram:not_in_index', false],
    ]);
    assert.equal(out.stale, 1, 'counted as a profile whose fresh fetch failed');
  });

  it('stale is observed_at older than PROFILE_MAX_AGE_DAYS, for fetched and standing-in profiles alike', async () => {
    const day = 86_400_000;
    const old = new Date(Date.now() - 400 * day).toISOString();
    const recent = new Date(Date.now() - 100 * day).toISOString();
    const seeded = [
      makeCreator({ handle: 'observed_long_ago', observedAt: old, observedAtBasis: 'posts' }),
      makeCreator({ handle: 'observed_recently', observedAt: recent, observedAtBasis: 'source' }),
    ];
    await seedIndex(t.ctx, seeded);
    const gone = { creator: makeCreator({ handle: 'gone_and_old', observedAt: old }), score: 0, queries: [0] };
    const candidates = [...seeded.map((creator) => ({ creator, score: 1, queries: [0] })), gone];
    const at = async (maxAgeDays: number) => {
      const profiles = new IndexProfileSource(t.ctx.providers.index, t.ctx.ledger, { maxAgeDays });
      const deps = withProviders(t.ctx, { profiles }, { profiles: { ...t.ctx.config.profiles, maxAgeDays } });
      const { out } = await enrich(deps, candidates);
      return out.profiles.map((p) => [p.key, p.stale, p.observedAt]);
    };
    assert.deepEqual(await at(180), [
      ['instagram:observed_long_ago', true, old],
      ['instagram:observed_recently', false, recent],
      ['instagram:gone_and_old', true, old],
    ]);
    assert.deepEqual((await at(30)).map((r) => r[1]), [true, true, true]);
    assert.deepEqual((await at(1000)).map((r) => r[1]), [false, false, false]);
  });

  it('stops between batches when the job is cancelled', async () => {
    const jobId = await createJob(t.ctx, { brief: 'anything at all here' });
    await t.ctx.repos.jobs.markRunning(jobId);
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    let fetched = 0;
    const source = {
      name: 'counting',
      fetch: async (creators: Parameters<typeof t.ctx.providers.profiles.fetch>[0], ctx: Parameters<typeof t.ctx.providers.profiles.fetch>[1]) => {
        fetched++;
        await t.ctx.repos.jobs.requestCancel(jobId, job.apiKeyId);
        return t.ctx.providers.profiles.fetch(creators, ctx);
      },
    };
    const deps = withProviders(t.ctx, { profiles: source }, { enrich: { batchSize: 7, concurrency: 1 } });
    const runtime = new JobRuntime(deps, jobId, new AbortController().signal, t.ctx.logger);
    await assert.rejects(runEnrichStage({ deps, params: job.params, runtime }, hits), JobCancelledError);
    assert.equal(fetched, 1, 'no batch starts after the cancel request');
  });

  /** A stage over `hits` in batches of 7 on one lane, with a counting source and the given consumer. */
  async function oneLane(onBatch: (profiles: Profile[]) => Promise<void>) {
    const jobId = await createJob(t.ctx, { brief: 'anything at all here' });
    await t.ctx.repos.jobs.markRunning(jobId);
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    const source = {
      name: 'counting',
      fetched: 0,
      fetch(creators: Parameters<typeof t.ctx.providers.profiles.fetch>[0], ctx: Parameters<typeof t.ctx.providers.profiles.fetch>[1]) {
        this.fetched++;
        return t.ctx.providers.profiles.fetch(creators, ctx);
      },
    };
    const deps = withProviders(t.ctx, { profiles: source }, { enrich: { batchSize: 7, concurrency: 1 } });
    const runtime = new JobRuntime(deps, jobId, new AbortController().signal, t.ctx.logger);
    await runtime.enterStage('enrich');
    const stage = runEnrichStage({ deps, params: job.params, runtime }, hits, onBatch);
    const progress = async () => (await t.ctx.jobEvents.list(jobId, 0, 100)).filter((e) => e.type === 'progress');
    return { source, stage, progress };
  }

  it("starts a lane's next fetch while its last batch waits to be handed over, and a consumer that does not take batches holds fetching back", async () => {
    const batches = Math.ceil(hits.length / 7);
    assert.ok(batches >= 4);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const handed: string[][] = [];
    const { source, stage, progress } = await oneLane(async (profiles) => {
      handed.push(profiles.map((p) => p.key));
      if (handed.length === 1) await held;
    });
    // batch 1 is with the consumer, which does not return: batch 2 is fetched meanwhile…
    await waitUntil(() => source.fetched === 2);
    // …and waits to be handed over; with one lane, one waiting hand-over is as far ahead as fetching goes
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(source.fetched, 2);
    assert.equal(handed.length, 1);
    release();
    const out = await stage;
    assert.equal(source.fetched, batches);
    assert.deepEqual(handed.flat(), hits.map((c) => c.creator.key), 'every batch handed over once, in order');
    assert.deepEqual(out.profiles.map((p) => p.key), hits.map((c) => c.creator.key));
    const done = (await progress()).map((e) => e.data.enriched);
    assert.deepEqual(done, [...done].sort((a, b) => Number(a) - Number(b)), 'progress only goes up');
    assert.equal(done.length, batches);
  });

  it("a consumer's error stops new fetches and is the stage's error; no batch is handed over or counted after it", async () => {
    const handed: number[] = [];
    const { source, stage, progress } = await oneLane(async (profiles) => {
      handed.push(profiles.length);
      throw new Error('scoring broke');
    });
    await assert.rejects(stage, /scoring broke/);
    const fetchedAtEnd = source.fetched;
    assert.ok(fetchedAtEnd <= 2, `at most the batch fetched while the first was handed over (${fetchedAtEnd})`);
    assert.deepEqual(handed, [7]);
    assert.equal((await progress()).length, 1, "only the first batch's progress");
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(source.fetched, fetchedAtEnd, 'nothing of the stage runs on after it threw');
    assert.deepEqual(handed, [7]);
  });
});
