import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mergeFilters, normaliseExpansion, runExpandStage } from '../../src/pipeline/expand.stage.js';
import { JobRuntime } from '../../src/pipeline/job-runtime.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { ScriptedLlm, withProviders } from './doubles.js';
import { createJob } from './fixtures.js';
import type { CallContext } from '../../src/providers/ledger.js';

describe('mergeFilters', () => {
  it('lets explicit filters win field by field and keeps inferred ones otherwise', () => {
    assert.deepEqual(
      mergeFilters({ countries: ['DE'] }, { countries: ['US'], languages: ['en'], minEngagementRate: 0.02 }, null),
      { countries: ['DE'], languages: ['en'], minEngagementRate: 0.02 },
    );
  });

  it('treats the follower band as one field', () => {
    assert.deepEqual(mergeFilters({ followersMin: 50_000 }, { followersMin: 10_000, followersMax: 100_000 }, null), {
      followersMin: 50_000,
    });
    assert.deepEqual(mergeFilters({}, { followersMin: 10_000, followersMax: 100_000 }, null), {
      followersMin: 10_000,
      followersMax: 100_000,
    });
  });

  it('takes platforms from the request when it names them, else from the brief', () => {
    assert.deepEqual(mergeFilters({}, { platforms: ['tiktok'] }, ['instagram']), { platforms: ['instagram'] });
    assert.deepEqual(mergeFilters({}, { platforms: ['tiktok'] }, null), { platforms: ['tiktok'] });
    assert.deepEqual(mergeFilters({}, {}, null), {});
  });
});

describe('normaliseExpansion', () => {
  it('trims and de-duplicates queries and never leaves them empty', () => {
    const e = { queries: ['  yoga  mats ', 'yoga mats', ''], niches: [], topics: [], filters: {} };
    assert.deepEqual(normaliseExpansion(e, 'a brief about yoga').queries, ['yoga mats']);
    assert.deepEqual(normaliseExpansion({ ...e, queries: [' '] }, 'a brief about yoga').queries, ['a brief about yoga']);
  });
});

describe('runExpandStage', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(async () => {
    await t.cleanup();
  });

  it('expands the brief, merges filters, saves the expansion and reuses it on a re-run', async () => {
    const jobId = await createJob(t.ctx, {
      brief: 'vegan protein bar launch for US gym-goers, micro-influencers',
      filters: { countries: ['CA'] },
      platforms: ['instagram'],
    });
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    const llm = new ScriptedLlm(t.ctx.providers.llm);
    const deps = withProviders(t.ctx, { llm });
    const runtime = new JobRuntime(deps, jobId, new AbortController().signal, t.ctx.logger);

    const first = await runExpandStage({ deps, params: job.params, runtime });
    assert.equal(first.reused, false);
    assert.deepEqual(first.filters, { countries: ['CA'], platforms: ['instagram'], followersMin: 10_000, followersMax: 100_000 });
    assert.deepEqual(first.expansion.niches.slice().sort(), ['fitness', 'food']);
    const saved = await t.ctx.repos.artifacts.get<{ filters: unknown }>(jobId, 'expansion');
    assert.deepEqual(saved?.data.filters, first.filters);

    const second = await runExpandStage({ deps, params: job.params, runtime });
    assert.equal(second.reused, true);
    assert.deepEqual(second.expansion, first.expansion);
    assert.equal(llm.expandCalls, 1, 'no second LLM call');
    const calls = await t.ctx.repos.calls.listForJob(jobId);
    assert.equal(calls.filter((c) => c.operation === 'expand').length, 1, 'the ledger is not double counted');
  });

  it('announces an expansion that fell back to the rule-based one', async () => {
    const jobId = await createJob(t.ctx, { brief: 'travel creators for a luggage brand' });
    const job = (await t.ctx.repos.jobs.get(jobId))!;
    const inner = t.ctx.providers.llm;
    const llm = {
      name: 'fell-back',
      expandBrief: async (brief: string, ctx: CallContext) => ({ ...(await inner.expandBrief(brief, ctx)), fallback: true }),
      scoreFit: inner.scoreFit.bind(inner),
    };
    const deps = withProviders(t.ctx, { llm });
    const runtime = new JobRuntime(deps, jobId, new AbortController().signal, t.ctx.logger);
    const out = await runExpandStage({ deps, params: job.params, runtime });
    assert.equal(out.expansion.fallback, true);
    const events = await t.ctx.jobEvents.list(jobId, 0, 10);
    assert.deepEqual(events.map((e) => [e.type, e.data.code]), [['warning', 'expand_fallback']]);
  });
});
