import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { z } from 'zod';
import { defaultPrices } from '../../src/config.js';
import type { healthResponseSchema } from '../../src/api/schemas.js';
import { runPipeline } from '../../src/pipeline/run-pipeline.js';
import { startWorker } from '../../src/worker/start-worker.js';
import { FakeOpenAi } from '../fakes/openai.fake.js';
import { startTestApi } from '../helpers/api-server.js';
import type { TestApi } from '../helpers/api-server.js';
import { runCli } from '../helpers/processes.js';
import { kaggleInstagramCsv } from '../helpers/shared-data.js';
import { createJob, nicheCorpus, seedIndex } from '../pipeline/fixtures.js';
import { waitFor } from '../worker/helpers.js';

type Health = z.infer<typeof healthResponseSchema>;

/**
 * Switching the embedder, as docs/providers.md ("Switching embedder or backend") tells it: /health
 * says `degraded` with the fix while the index was built by another embedder; the new index is
 * built aside (`scout import` with the new settings and another LANCEDB_DIR) while the running API
 * and worker keep serving jobs from the old one; the swap is a restart with the new settings. The
 * cost of the rebuild is what the embeddings fake billed, and the ledger agrees with it.
 */
describe('switching the embedder: degraded health, a reindex built aside, then the swap', () => {
  const openai = new FakeOpenAi({ apiKey: 'sk-emb', embeddingDim: 64 });
  let old: TestApi;
  const opened: TestApi[] = [];
  let newEmbedder: Record<string, string>;

  before(async () => {
    await openai.start();
    newEmbedder = {
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_BASE_URL: `${openai.url}/v1`,
      EMBEDDINGS_API_KEY: 'sk-emb',
      EMBEDDINGS_MODEL: 'embed-fake',
      EMBEDDINGS_DIM: '64',
    };
    // the deployment as it runs today: the embedded hashing embedder, LanceDB
    old = await startTestApi();
    await seedIndex(old.ctx, nicheCorpus(6));
  });
  after(async () => {
    for (const api of opened) await api.cleanup();
    await old.cleanup();
    await openai.stop();
  });

  it('/health reports an index built by another embedder as degraded, with the fix', async () => {
    const switched = await startTestApi({ ...newEmbedder, LANCEDB_DIR: old.config.search.lancedbDir });
    opened.push(switched);
    // version, uptime and components are for operators (X-Admin-Key); anonymous callers get the status
    const res = await switched.call<Health>('/health', { headers: { 'X-Admin-Key': switched.config.adminKey! } });
    assert.deepEqual((await switched.call<Health>('/health')).body, { status: 'degraded' });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'degraded');
    assert.equal(res.body.components!.index.embedder, old.ctx.providers.embedder.id);
    assert.deepEqual(res.body.components!.index.mismatch?.configured_embedder, 'openai:embed-fake:64');
    assert.match(res.body.components!.index.mismatch!.fix, /scout import --reindex/);
    // and that is what jobs run into
    const outcome = await runPipeline(switched.ctx, await createJob(switched.ctx, { brief: 'fitness creators', top_k: 3 }));
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.status === 'failed' && outcome.error.code, 'index_mismatch');
    // the unchanged deployment is fine
    assert.equal((await old.call<Health>('/health')).body.status, 'ok');
  });

  it('builds the new index aside while the old API and worker serve jobs, then swaps by restarting with the new settings', { timeout: 170_000 }, async () => {
    const asideDir = path.join(old.dataDir, 'lancedb-next');
    const asideEnv = { ...old.env, ...newEmbedder, LANCEDB_DIR: asideDir };
    const worker = startWorker(old.ctx);
    const key = await old.newKey();
    try {
      openai.reset();
      const importing = runCli(['import', kaggleInstagramCsv()], asideEnv);
      // jobs submitted through the running API while the import runs complete on the old index
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await old.call<{ job_id: string }>('/pipeline/start', { key: key.key, body: { brief: `travel creators for a luggage brand, wave ${i}`, top_k: 3 } });
        assert.equal(res.status, 202, res.text);
        ids.push(res.body.job_id);
      }
      for (const id of ids) {
        const job = await waitFor(`job ${id}`, async () => {
          const j = await old.ctx.repos.jobs.get(id);
          return j && ['completed', 'failed'].includes(j.status) ? j : null;
        }, 60_000);
        assert.equal(job.status, 'completed', JSON.stringify(job.error));
      }
      assert.equal((await old.call<Health>('/health')).body.status, 'ok');
      const run = await importing;
      assert.equal(run.code, 0, run.stderr);
      const imported = Number(/imported ([\d,]+) of/.exec(run.stdout)?.[1]?.replace(/,/g, ''));
      const holds = Number(/the index now holds ([\d,]+) creators/.exec(run.stdout)?.[1]?.replace(/,/g, ''));
      assert.ok(imported > 900 && holds > 900, run.stdout);

      // what the rebuild cost: the fake's bill, and the ledger (rows without a job) agrees
      const tokens = openai.billed.embeddingTokens;
      const ledger = await old.ctx.pool.query<{ tokens: string }>(
        `select coalesce(sum((units->>'tokens')::bigint), 0) as tokens from external_calls where service = 'embeddings' and job_id is null`,
      );
      assert.equal(Number(ledger.rows[0]!.tokens), tokens);
      const per1000 = (tokens / imported) * 1000;
      const usd = (per1000 / 1e6) * defaultPrices.embeddingsPer1M;
      process.stdout.write(`# reindex: ${imported} creators, ${tokens} tokens → ${Math.round(per1000)} tokens and $${usd.toFixed(5)} per 1,000 creators\n`);

      // the swap: API restarted with the new settings
      const swapped = await startTestApi({ ...newEmbedder, LANCEDB_DIR: asideDir });
      opened.push(swapped);
      const health = (await swapped.call<Health>('/health', { headers: { 'X-Admin-Key': swapped.config.adminKey! } })).body;
      assert.equal(health.status, 'ok');
      assert.equal(health.components!.index.embedder, 'openai:embed-fake:64');
      assert.equal(health.components!.index.count, holds);
      const outcome = await runPipeline(swapped.ctx, await createJob(swapped.ctx, { brief: 'fashion creators for a streetwear drop', top_k: 5 }));
      assert.deepEqual(outcome, { status: 'completed', results: 5 });
    } finally {
      await worker.close();
    }
  });
});
