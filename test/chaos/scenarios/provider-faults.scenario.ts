import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import type { RankedResult } from '../../../src/domain/job.js';
import { startWorker } from '../../../src/worker/start-worker.js';
import { FakeBrightData } from '../../fakes/brightdata/server.js';
import { freshProfilesOf } from '../../fakes/brightdata/profiles.js';
import { FakeOpenAi } from '../../fakes/openai.fake.js';
import { createTestContext } from '../../helpers/test-env.js';
import { createJob, nicheCorpus, seedIndex } from '../../pipeline/fixtures.js';
import { auditJobs } from '../helpers/job-invariants.js';

export interface ProviderFaultOptions {
  jobs: number;
  concurrency: number;
}

/** Fault mix per request on every fake: 8 % HTTP 500, 6 % HTTP 429, ~6 % slower than the client's timeout = 20 %. */
const ERROR_RATE = 0.08;
const RATE_LIMIT_RATE = 0.06;
const TIMEOUT_MS = 300;
const LATENCY = { latencyMs: 5, jitterMs: 314 };

/**
 * Every production provider (LLM, embeddings, BrightData) on fakes that fail 20 % of requests with
 * 5xx, 429 or a timeout: at least 99 % of jobs complete; results built on degraded data are
 * flagged (stale profiles, rule-based fallback scores); the ledger has one row per request the
 * fakes saw, and each job's cost is the sum of its ledger rows.
 */
export async function providerFaultScenario(o: ProviderFaultOptions): Promise<void> {
  const llm = new FakeOpenAi({ apiKey: 'sk-chaos', embeddingDim: 64, retryAfterSeconds: 0 });
  const bd = new FakeBrightData({ apiKey: 'bd-chaos', retryAfter429: '0' });
  await Promise.all([llm.start(), bd.start()]);
  const t = await createTestContext({
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: llm.baseUrl,
    LLM_API_KEY: 'sk-chaos',
    LLM_MODEL: 'gpt-fake',
    LLM_TIMEOUT_MS: String(TIMEOUT_MS),
    EMBEDDINGS_PROVIDER: 'openai',
    EMBEDDINGS_BASE_URL: llm.baseUrl,
    EMBEDDINGS_API_KEY: 'sk-chaos',
    EMBEDDINGS_MODEL: 'embed-fake',
    EMBEDDINGS_DIM: '64',
    PROFILE_SOURCE: 'brightdata',
    BRIGHTDATA_BASE_URL: bd.url,
    BRIGHTDATA_API_KEY: 'bd-chaos',
    BRIGHTDATA_TIMEOUT_MS: String(TIMEOUT_MS),
    BRIGHTDATA_RETRY_BASE_MS: '5',
    BRIGHTDATA_CACHE_TTL_HOURS: '0',
    PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS),
    PROVIDER_RETRY_BASE_MS: '5',
    PROVIDER_RETRY_MAX_DELAY_MS: '50',
    PROVIDER_BREAKER_COOLDOWN_MS: '200',
    SCORE_BATCH_SIZE: '5',
    ENRICH_BATCH_SIZE: '10',
    WORKER_CONCURRENCY: String(o.concurrency),
    WORKER_LOCK_DURATION_MS: '10000',
  });
  const worker = { close: async () => {} };
  try {
    const corpus = nicheCorpus(10);
    await seedIndex(t.ctx, corpus);
    bd.addCreators(...freshProfilesOf(corpus));
    // Every third creator's page is dead: its profile can never be fetched, so degradation to
    // (flagged) index data happens whatever the random faults and retries do.
    bd.options.dead = corpus.filter((_, i) => i % 3 === 0).map((c) => c.handle);
    for (const f of [llm, bd]) {
      f.setSeed(7);
      f.latency = { ...LATENCY };
      f.options.errorRate = ERROR_RATE;
      f.options.rateLimitRate = RATE_LIMIT_RATE;
    }
    const ledgerBefore = await ledgerCounts(t.ctx.pool);
    const requestsBefore = { llm: llm.chatRequests().length, emb: llm.requestsTo('/v1/embeddings').length, bd: bd.requests.length };

    const ids: string[] = [];
    const briefs = ['fitness creators for a protein bar', 'travel creators for luggage', 'beauty creators for a serum', 'pet creators with dogs'];
    for (let i = 0; i < o.jobs; i++) ids.push(await createJob(t.ctx, { brief: briefs[i % briefs.length]!, top_k: 5, candidate_limit: 20, min_fit_score: 0, platforms: ['instagram'] }));
    const handle = startWorker(t.ctx);
    worker.close = () => handle.close();
    for (const id of ids) await t.ctx.queue.enqueue(id);

    const deadline = Date.now() + 240_000;
    for (;;) {
      const { rows } = await t.ctx.pool.query<{ n: number }>(
        `select count(*)::int as n from pipeline_jobs where id = any($1::text[]) and status in ('completed', 'failed', 'cancelled')`,
        [ids],
      );
      if (rows[0]!.n === ids.length) break;
      assert.ok(Date.now() < deadline, `only ${rows[0]!.n}/${ids.length} jobs finished`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await handle.close();
    worker.close = async () => {};

    const audit = await auditJobs(t.ctx.pool, ids);
    const { rows: failedCalls } = await t.ctx.pool.query<{ service: string; calls: number; errors: number }>(
      `select service, count(*)::int as calls, count(*) filter (where status = 'error')::int as errors from external_calls where job_id = any($1::text[]) group by service order by service`,
      [ids],
    );
    console.log(
      `provider-faults: ${audit.completed}/${ids.length} jobs completed (${((100 * audit.completed) / ids.length).toFixed(1)} %); ` +
        `failed provider calls: ${failedCalls.map((c) => `${c.service} ${c.errors}/${c.calls}`).join(', ')}`,
    );
    assert.deepEqual(audit.problems, []);
    assert.ok(audit.completed >= Math.ceil(ids.length * 0.99), `${audit.completed}/${ids.length} completed; failed: ${audit.failures.join('\n')}`);

    // the faults happened, and what they degraded is flagged
    const faults = llm.requests.length + bd.requests.length - requestsBefore.llm - requestsBefore.emb - requestsBefore.bd;
    assert.ok(faults > 50, 'the fakes were exercised');
    let staleProfiles = 0;
    let fallbackBatches = 0;
    for (const id of ids) {
      const job = (await t.ctx.repos.jobs.get(id))!;
      if (job.status !== 'completed') continue;
      const final = (await t.ctx.repos.artifacts.get<RankedResult[]>(id, 'final'))!.data;
      // index data standing in for a failed fetch is flagged by the job's profiles_stale warnings
      // (`stale` itself says how old the data is: observed_at against PROFILE_MAX_AGE_DAYS)
      const standIns = final.filter((r) => r.data_source === 'index').length;
      if (standIns > 0) {
        const flagged = (await t.ctx.jobEvents.list(id, 0, 10_000))
          .filter((e) => e.type === 'warning' && e.data.code === 'profiles_stale')
          .reduce((n, e) => n + Number(e.data.stale ?? 0), 0);
        assert.ok(flagged >= standIns, `${id}: ${standIns} results from index data, ${flagged} flagged by profiles_stale warnings`);
      }
      staleProfiles += job.meta.stale_profiles ?? 0;
      fallbackBatches += job.meta.fallback_batches ?? 0;
      if ((job.meta.fallback_batches ?? 0) > 0) {
        const warnings = (await t.ctx.jobEvents.list(id, 0, 10_000)).filter((e) => e.type === 'warning' && e.data.code === 'score_fallback');
        assert.equal(warnings.length, job.meta.fallback_batches, `${id}: one warning per fallback batch`);
      }
      const { rows } = await t.ctx.pool.query<{ cost: number }>(`select coalesce(sum(cost_usd), 0)::float8 as cost from external_calls where job_id = $1`, [id]);
      assert.ok(Math.abs(job.meta.cost_usd - rows[0]!.cost) < 1e-9, `${id}: meta cost ${job.meta.cost_usd} vs ledger ${rows[0]!.cost}`);
    }
    console.log(`provider-faults: ${staleProfiles} stale profiles, ${fallbackBatches} rule-based fallback score batches (all flagged)`);
    assert.ok(staleProfiles > 0, 'some profiles were degraded to index data (and counted)');

    // Every request a fake saw has its ledger row; the only extra rows are attempts the client aborted
    // (timeouts) before the fake read them. Units on successful rows never exceed what the fakes billed.
    const ledgerAfter = await ledgerCounts(t.ctx.pool);
    const seen = { llm: llm.chatRequests().length - requestsBefore.llm, embeddings: llm.requestsTo('/v1/embeddings').length - requestsBefore.emb, brightdata: bd.requests.length - requestsBefore.bd };
    for (const service of ['llm', 'embeddings', 'brightdata'] as const) {
      const rows = ledgerAfter[service]!.rows - (ledgerBefore[service]?.rows ?? 0);
      const aborted = ledgerAfter[service]!.aborted - (ledgerBefore[service]?.aborted ?? 0);
      assert.ok(rows >= seen[service], `${service}: ${rows} ledger rows < ${seen[service]} requests the fake saw`);
      assert.ok(rows - seen[service] <= aborted, `${service}: ${rows - seen[service]} ledger rows beyond the requests, only ${aborted} aborted`);
    }
    const units = await okUnits(t.ctx.pool);
    assert.ok(units.promptTokens > 0 && units.promptTokens <= llm.billed.promptTokens, `prompt tokens ${units.promptTokens} vs billed ${llm.billed.promptTokens}`);
    assert.ok(units.embeddingTokens <= llm.billed.embeddingTokens, `embedding tokens ${units.embeddingTokens} vs billed ${llm.billed.embeddingTokens}`);
    assert.ok(units.records > 0 && units.records <= bd.billed.records, `BrightData records ${units.records} vs billed ${bd.billed.records}`);
  } finally {
    await worker.close();
    await t.cleanup();
    await Promise.all([llm.stop(), bd.stop()]);
  }
}

async function ledgerCounts(pool: Pool): Promise<Record<string, { rows: number; aborted: number }>> {
  const { rows } = await pool.query<{ service: string; rows: number; aborted: number }>(
    `select service, count(*)::int as rows, count(*) filter (where error ~* 'abort|timeout')::int as aborted from external_calls group by service`,
  );
  return Object.fromEntries(rows.map((r) => [r.service, { rows: r.rows, aborted: r.aborted }]));
}

/** Units on the successful rows of the jobs' calls (seeding ran before the faults and is excluded by job_id). */
async function okUnits(pool: Pool) {
  const { rows } = await pool.query<{ promptTokens: number; embeddingTokens: number; records: number }>(
    `select coalesce(sum((units->>'prompt_tokens')::int) filter (where service = 'llm'), 0)::int as "promptTokens",
            coalesce(sum((units->>'tokens')::int) filter (where service = 'embeddings'), 0)::int as "embeddingTokens",
            coalesce(sum((units->>'records')::int) filter (where service = 'brightdata'), 0)::int as records
     from external_calls where status = 'ok' and job_id is not null`,
  );
  return rows[0]!;
}
