import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HeuristicLlm } from '../../../src/providers/llm/heuristic.llm.js';
import { createTestContext } from '../../helpers/test-env.js';
import type { TestContext } from '../../helpers/test-env.js';
import { createJob, makeProfile } from '../../pipeline/fixtures.js';

describe('HeuristicLlm', () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(async () => {
    await t.cleanup();
  });

  it('is the configured default LLM', () => {
    assert.ok(t.ctx.providers.llm instanceof HeuristicLlm);
    assert.equal(t.ctx.providers.llm.name, 'heuristic');
  });

  it('records one zero-cost ledger call per method call, attributed to the job', async () => {
    const jobId = await createJob(t.ctx, { brief: 'fitness coach promoting protein snacks' });
    const llm = new HeuristicLlm(t.ctx.ledger);
    const expansion = await llm.expandBrief('fitness coach promoting protein snacks', { jobId });
    const profiles = [makeProfile({ handle: 'a', bio: 'gym' }), makeProfile({ handle: 'b' }), makeProfile({ handle: 'c' })];
    const scores = await llm.scoreFit({ brief: 'fitness coach promoting protein snacks', expansion, filters: {} }, profiles, { jobId });
    assert.equal(scores.length, 3);

    const calls = await t.ctx.repos.calls.listForJob(jobId);
    assert.deepEqual(
      calls.map((c) => [c.service, c.operation, c.status, c.costUsd]),
      [
        ['llm', 'expand', 'ok', 0],
        ['llm', 'score', 'ok', 0],
      ],
    );
    assert.deepEqual(calls[0]!.units, { briefs: 1, queries: expansion.queries.length });
    assert.deepEqual(calls[1]!.units, { profiles: 3 });
    const job = await t.ctx.repos.jobs.get(jobId);
    assert.equal(job!.meta.cost_usd, 0);
  });

  it('stops before scoring when the call is aborted, and records the failure', async () => {
    const jobId = await createJob(t.ctx, { brief: 'fitness coach promoting protein snacks' });
    const llm = new HeuristicLlm(t.ctx.ledger);
    const signal = AbortSignal.abort(new Error('job timed out'));
    const expansion = await llm.expandBrief('fitness', { jobId });
    await assert.rejects(llm.scoreFit({ brief: 'fitness', expansion, filters: {} }, [makeProfile({ handle: 'a' })], { jobId, signal }), /timed out/);
    const calls = await t.ctx.repos.calls.listForJob(jobId);
    assert.equal(calls.at(-1)!.status, 'error');
  });
});
