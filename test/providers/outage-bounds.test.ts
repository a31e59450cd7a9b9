import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '../../src/app/context.js';
import type { Config } from '../../src/config.js';
import { ProviderError } from '../../src/errors.js';
import { weaviateOptionsFrom } from '../../src/providers/search-index/create-index.js';
import { WeaviateIndex } from '../../src/providers/search-index/weaviate.index.js';
import { retryPolicyFrom } from '../../src/providers/http/policy.js';
import { worstCaseCallMs } from '../../src/providers/http/retry.js';
import { pipelineJobOptions } from '../../src/queue/pipeline.queue.js';
import { startWorker } from '../../src/worker/start-worker.js';
import { FakeBrightData } from '../fakes/brightdata/server.js';
import { freshProfilesOf } from '../fakes/brightdata/profiles.js';
import { FakeOpenAi } from '../fakes/openai.fake.js';
import { startWeaviateFake } from '../fakes/weaviate.fake.js';
import type { WeaviateFake } from '../fakes/weaviate.fake.js';
import { createTestContext } from '../helpers/test-env.js';
import type { TestContext } from '../helpers/test-env.js';
import { createJob, nicheCorpus, seedIndex } from '../pipeline/fixtures.js';
import { waitFor, withProviders } from '../worker/helpers.js';

/**
 * A job under a full outage of each production provider, through the real BullMQ worker with
 * every provider switched on by configuration and pointed at the local fakes. For each: the job
 * fails (no fallback exists) or degrades (LLM → rule-based scores, BrightData → index data)
 * within the bound docs/providers.md states ("Outages: how long a job takes to fail"), computed
 * here from the same settings; every wire attempt the fake saw is one ledger row; and the
 * provider's circuit is open afterwards (the next call sends nothing).
 */

const corpus = nicheCorpus(4);
let seq = 0;

interface Stack {
  t: TestContext;
  llm: FakeOpenAi;
  embeddings: FakeOpenAi;
  brightdata: FakeBrightData;
}

let weaviate: WeaviateFake;
const llm = new FakeOpenAi({ apiKey: 'sk-llm' });
const embeddings = new FakeOpenAi({ apiKey: 'sk-emb', embeddingDim: 64 });
const brightdata = new FakeBrightData({ apiKey: 'bd-key' });

before(async () => {
  weaviate = await startWeaviateFake();
  await llm.start();
  await embeddings.start();
  await brightdata.start();
  brightdata.addCreators(...freshProfilesOf(corpus));
});
after(async () => {
  await llm.stop();
  await embeddings.stop();
  await brightdata.stop();
  await weaviate.close();
});

/** Short timeouts so the test runs in seconds; the bound is computed from them like the docs do. */
async function stack(): Promise<Stack> {
  llm.reset();
  llm.options.errorRate = 0;
  embeddings.reset();
  embeddings.options.errorRate = 0;
  brightdata.reset();
  brightdata.options.errorRate = 0;
  weaviate.clearFaults();
  const t = await createTestContext({
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: `${llm.url}/v1`,
    LLM_API_KEY: 'sk-llm',
    LLM_MODEL: 'gpt-fake',
    LLM_TIMEOUT_MS: '1500',
    EMBEDDINGS_PROVIDER: 'openai',
    EMBEDDINGS_BASE_URL: `${embeddings.url}/v1`,
    EMBEDDINGS_API_KEY: 'sk-emb',
    EMBEDDINGS_MODEL: 'embed-fake',
    EMBEDDINGS_DIM: '64',
    PROFILE_SOURCE: 'brightdata',
    BRIGHTDATA_BASE_URL: brightdata.url,
    BRIGHTDATA_API_KEY: 'bd-key',
    BRIGHTDATA_TIMEOUT_MS: '1500',
    BRIGHTDATA_RETRY_BASE_MS: '50',
    BRIGHTDATA_POLL_INTERVAL_MS: '10',
    ...weaviate.env(`Outage_${process.pid}_${++seq}`),
    PROVIDER_TIMEOUT_MS: '1500',
    PROVIDER_RETRY_BASE_MS: '50',
    PROVIDER_RETRY_MAX_DELAY_MS: '1000',
    JOB_ATTEMPTS: '3',
    SCORE_BATCH_SIZE: '5',
    ENRICH_BATCH_SIZE: '5',
  });
  await t.ctx.providers.index.open();
  await seedIndex(t.ctx, corpus);
  return { t, llm, embeddings, brightdata };
}

/** Worst case of a job whose provider has no fallback: every BullMQ attempt runs one call's worst case, plus BullMQ's backoff. */
function failBoundMs(config: Config, callMs: number): number {
  const { attempts, backoff } = pipelineJobOptions(config.worker.attempts);
  const delay = typeof backoff === 'object' ? (backoff.delay ?? 0) : 0;
  let waits = 0;
  for (let k = 1; k < (attempts ?? 1); k++) waits += delay * 2 ** (k - 1);
  return (attempts ?? 1) * callMs + waits;
}

/** Runs one job through the real worker; returns its final row and how long it took. */
async function runJob(s: Stack, brief: string, ctx: AppContext = s.t.ctx) {
  const worker = startWorker(ctx);
  try {
    const jobId = await createJob(s.t.ctx, { brief, top_k: 5, candidate_limit: 15 });
    const started = performance.now();
    await s.t.ctx.queue.enqueue(jobId);
    const job = await waitFor(
      `job ${jobId} to finish`,
      async () => {
        const j = await s.t.ctx.repos.jobs.get(jobId);
        return j && ['completed', 'failed'].includes(j.status) ? j : null;
      },
      120_000,
    );
    const ms = performance.now() - started;
    const calls = await s.t.ctx.repos.calls.listForJob(jobId);
    const events = await s.t.ctx.jobEvents.list(jobId, 0, 1000);
    return { job, ms, calls, events };
  } finally {
    await worker.close();
  }
}

const report: string[] = [];
after(() => {
  // the table of docs/providers.md, measured (printed for the record; the assertions are above it)
  process.stdout.write(`\n# outage | outcome | seconds | bound s | wire attempts | ledger rows | circuit\n${report.join('\n')}\n`);
});

describe('a job under a provider outage fails or degrades within the documented bound', () => {
  it('LLM down (every chat call 500): completes on rule-based scores, announced, within the bound', { timeout: 120_000 }, async () => {
    const s = await stack();
    try {
      llm.options.errorRate = 1;
      const { job, ms, calls, events } = await runJob(s, 'fitness creators for a protein snack');
      const callMs = worstCaseCallMs(retryPolicyFrom(s.t.config, { maxRetries: s.t.config.llm.maxRetries }), s.t.config.llm.timeoutMs);
      // expansion, then scoring: the two stages call the LLM one after the other
      const bound = 2 * callMs + 10_000;
      assert.equal(job.status, 'completed');
      assert.ok(job.meta.fallback_batches! > 0);
      assert.ok(events.some((e) => e.type === 'warning' && e.data.code === 'score_fallback'));
      assert.ok(ms < bound, `${ms} ms ≥ bound ${bound} ms`);
      const wire = llm.chatRequests().length;
      const rows = calls.filter((c) => c.service === 'llm' && c.httpStatus !== null);
      assert.equal(rows.length, wire, 'every chat request is a ledger row');
      assert.ok(rows.every((r) => r.status === 'error' && r.httpStatus === 500));
      // the circuit opens after PROVIDER_BREAKER_THRESHOLD failures; calls already in flight (SCORE_CONCURRENCY) still answer
      const most = s.t.config.providers.breakerThreshold + s.t.config.scoring.concurrency - 1;
      assert.ok(wire <= most, `${wire} wire attempts, at most ${most}`);
      // circuit open: the next expansion sends nothing and falls back at once
      const exp = await s.t.ctx.providers.llm.expandBrief('travel creators', { jobId: null });
      assert.equal(exp.fallback, true);
      assert.equal(llm.chatRequests().length, wire, 'circuit open: no request');
      report.push(`LLM 500 | completed, fallback | ${(ms / 1000).toFixed(1)} | ${(bound / 1000).toFixed(1)} | ${wire} | ${rows.length} | open`);
    } finally {
      await s.t.cleanup();
    }
  });

  it('BrightData down (every request 500): completes on index data flagged stale, announced, within the bound', { timeout: 120_000 }, async () => {
    const s = await stack();
    try {
      brightdata.options.errorRate = 1;
      const { job, ms, calls, events } = await runJob(s, 'travel creators for a luggage brand');
      const bd = s.t.config.profiles.brightdata;
      const callMs = worstCaseCallMs(retryPolicyFrom(s.t.config, { baseDelayMs: bd.retryBaseMs }), bd.timeoutMs);
      const bound = callMs + 10_000;
      assert.equal(job.status, 'completed');
      assert.equal(job.meta.stale_profiles, 15);
      const warnings = events.filter((e) => e.type === 'warning' && e.data.code === 'profiles_stale');
      assert.ok(warnings.length > 0, 'a BrightData outage is announced like an LLM fallback');
      assert.match(String(warnings[0]!.data.message), /fresh profiles unavailable for \d+ of \d+ creators/);
      assert.ok(ms < bound, `${ms} ms ≥ bound ${bound} ms`);
      const wire = brightdata.requests.length;
      const rows = calls.filter((c) => c.service === 'brightdata');
      assert.equal(rows.length, wire, 'every BrightData request is a ledger row');
      assert.ok(rows.every((r) => r.status === 'error'));
      const before = brightdata.requests.length;
      const again = await s.t.ctx.providers.profiles.fetch([corpus[0]!], { jobId: null });
      assert.equal(again.errors[0]?.code, 'circuit_open');
      assert.equal(brightdata.requests.length, before, 'circuit open: no request');
      report.push(`BrightData 500 | completed, stale + warning | ${(ms / 1000).toFixed(1)} | ${(bound / 1000).toFixed(1)} | ${wire} | ${rows.length} | open`);
    } finally {
      await s.t.cleanup();
    }
  });

  it('embeddings down (every request 500): the job fails within the bound', { timeout: 120_000 }, async () => {
    const s = await stack();
    try {
      const seeded = embeddings.requests.length;
      embeddings.options.errorRate = 1;
      const { job, ms, calls } = await runJob(s, 'food creators who share recipes');
      const bound = failBoundMs(s.t.config, worstCaseCallMs(retryPolicyFrom(s.t.config), s.t.config.providers.timeoutMs));
      assert.equal(job.status, 'failed');
      assert.equal(job.error?.code, 'provider_failed');
      assert.ok(ms < bound, `${ms} ms ≥ bound ${bound} ms`);
      const wire = embeddings.requests.length - seeded;
      const rows = calls.filter((c) => c.service === 'embeddings');
      assert.equal(rows.length, wire, 'every embeddings request is a ledger row');
      assert.ok(wire <= s.t.config.providers.breakerThreshold + 3, `${wire} wire attempts`);
      await assert.rejects(s.t.ctx.providers.embedder.embed(['x'], { jobId: null }), /circuit open/);
      assert.equal(embeddings.requests.length - seeded, wire, 'circuit open: no request');
      report.push(`embeddings 500 | failed | ${(ms / 1000).toFixed(1)} | ${(bound / 1000).toFixed(1)} | ${wire} | ${rows.length} | open`);
    } finally {
      await s.t.cleanup();
    }
  });

  it('Weaviate REST down, gRPC up: searches go on with the schema last read, within the bound', { timeout: 120_000 }, async () => {
    const s = await stack();
    // a process that has read the schema before (re-read on every search here, TTL 0, so the outage is hit)
    const index = new WeaviateIndex({ ...weaviateOptionsFrom(s.t.config, s.t.ctx.providers.embedder), metaTtlMs: 0 }, s.t.ctx.ledger);
    try {
      await index.open();
      const restBefore = weaviate.calls.filter((c) => c.target.startsWith('rest:')).length;
      weaviate.inject({ on: 'rest:*', status: 503 });
      const { job, ms, calls } = await runJob(s, 'pet creators with dogs and cats', withProviders(s.t.ctx, { index }));
      const callMs = worstCaseCallMs(retryPolicyFrom(s.t.config), s.t.config.providers.timeoutMs);
      const bound = callMs + 10_000;
      assert.equal(job.status, 'completed');
      assert.ok(ms < bound, `${ms} ms ≥ bound ${bound} ms`);
      const wire = weaviate.calls.filter((c) => c.target.startsWith('rest:')).length - restBefore;
      const rows = calls.filter((c) => c.service === 'weaviate' && c.operation === 'read_schema');
      assert.ok(wire > 0);
      assert.equal(rows.length, wire, 'every REST call is a ledger row');
      assert.ok(rows.every((r) => r.status === 'error' && r.httpStatus === 503));
      assert.equal(index.breakerStates().hybrid_search, 'closed', 'gRPC search kept working');
      // the gRPC successes in between did not reset the REST failure count: one more failure opens it
      assert.ok(wire < s.t.config.providers.breakerThreshold, `${wire} REST calls`);
      for (let i = wire; i < s.t.config.providers.breakerThreshold; i++) {
        await assert.rejects(index.info(), ProviderError);
        if (index.breakerStates().read_schema === 'open') break;
      }
      assert.equal(index.breakerStates().read_schema, 'open');
      report.push(`Weaviate REST 503 | completed (schema from cache) | ${(ms / 1000).toFixed(1)} | ${(bound / 1000).toFixed(1)} | ${wire} | ${rows.length} | read_schema open on the next failure`);
    } finally {
      weaviate.clearFaults();
      await index.close();
      await s.t.cleanup();
    }
  });

  for (const outage of [
    { name: 'Weaviate gRPC search', on: 'grpc:Search', operation: 'hybrid_search', hang: false },
    { name: 'Weaviate gRPC search (hanging)', on: 'grpc:Search', operation: 'hybrid_search', hang: true },
  ]) {
    it(`${outage.name} down: the job fails within the bound, wire calls = ledger rows, that operation's circuit open`, { timeout: 120_000 }, async () => {
      const s = await stack();
      try {
        const index = s.t.ctx.providers.index as WeaviateIndex;
        const target = (c: { target: string }) => (outage.on === 'rest:*' ? c.target.startsWith('rest:') : c.target === outage.on);
        const seenBefore = weaviate.calls.filter(target).length;
        weaviate.inject(outage.hang ? { on: outage.on, hang: true } : { on: outage.on, status: 503 });
        const { job, ms, calls } = await runJob(s, 'pet creators with dogs and cats');
        weaviate.clearFaults();
        const bound = failBoundMs(s.t.config, worstCaseCallMs(retryPolicyFrom(s.t.config), s.t.config.providers.timeoutMs));
        assert.equal(job.status, 'failed');
        assert.equal(job.error?.code, 'provider_failed');
        assert.ok(ms < bound, `${ms} ms ≥ bound ${bound} ms`);
        const wire = weaviate.calls.filter(target).length - seenBefore;
        const rows = calls.filter((c) => c.service === 'weaviate' && c.operation === outage.operation);
        assert.equal(rows.length, wire, `every ${outage.on} call is a ledger row`);
        assert.ok(rows.every((r) => r.status === 'error'));
        assert.equal(index.breakerStates()[outage.operation], 'open');
        report.push(
          `${outage.name} ${outage.hang ? 'hang' : '503'} | failed | ${(ms / 1000).toFixed(1)} | ${(bound / 1000).toFixed(1)} | ${wire} | ${rows.length} | ${outage.operation} open`,
        );
      } finally {
        weaviate.clearFaults();
        await s.t.cleanup();
      }
    });
  }
});
